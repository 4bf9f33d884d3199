import { describe, expect, it } from 'vitest';
import { parseParentPid, parseProcessTicks, parseProcStat, parseRssMb } from './cpu-cost.ts';
import { mean, standardDeviation, summarizeSamples } from './figure-stats.ts';
import { formatSamplesCsv } from './report-csv.ts';
import { parseIperf3Tcp, parseIperf3Udp, parseWrkDone } from './tool-output.ts';

describe("the standard tools' output", () => {
  it("takes the received TCP rate and the sender's retransmits from iperf3 -J", () => {
    const json = JSON.stringify({ end: { sum_sent: { bits_per_second: 9.5e9, retransmits: 12 }, sum_received: { bits_per_second: 9.4e9 } } });
    expect(parseIperf3Tcp(json)).toEqual({ gbitPerSecond: 9.4, retransmits: 12 });
  });

  it('takes UDP rate, jitter and loss from iperf3 -u -J, and says what iperf3 complained of', () => {
    const json = JSON.stringify({ end: { sum: { bits_per_second: 2e9, jitter_ms: 0.02, lost_percent: 30 }, sum_received: { bits_per_second: 1.4e9 } } });
    expect(parseIperf3Udp(json)).toEqual({ gbitPerSecond: 1.4, jitterMs: 0.02, lossPercent: 30 });
    expect(() => parseIperf3Tcp(JSON.stringify({ start: {}, error: 'unable to connect to server: Connection refused' }))).toThrow(/iperf3: unable to connect/);
  });

  it('leaves a figure iperf3 did not give as NaN, not 0', () => {
    expect(parseIperf3Tcp(JSON.stringify({ end: {} })).retransmits).toBeNaN();
  });

  it("reads the wrk script's summary line after wrk's own text", () => {
    const stdout =
      'Running 1s test @ http://10.96.0.10/\n  1 threads and 8 connections\n{"requests":20000,"durationUs":1000000,"errors":0,"p50Us":310,"p99Us":1900}\n';
    expect(parseWrkDone(stdout)).toEqual({ requestsPerSecond: 20_000, p50Us: 310, p99Us: 1900, errors: 0 });
    expect(parseWrkDone('{"requests":0,"durationUs":1000000,"errors":9,"p50Us":0,"p99Us":0}').requestsPerSecond).toBeNaN();
    expect(() => parseWrkDone('unable to connect\n')).toThrow(/no summary/);
  });
});

describe('cost and figures', () => {
  it('reads /proc/stat, /proc/PID/stat (a name with spaces) and VmRSS', () => {
    expect(parseProcStat('cpu  100 5 50 800 10 1 20 0 0 0\ncpu0 1 2 3\n')).toEqual({ user: 105, system: 50, softirq: 20, total: 986 });
    expect(parseProcessTicks('42 (node a b) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11')).toBe(325);
    expect(parseParentPid('42 (node a b) S 7 42 42 0 -1')).toBe(7);
    expect(parseRssMb('Name:\tnode\nVmRSS:\t  102400 kB\n')).toBe(100);
  });

  it('gives the mean and spread of the finite samples, and a gap (null) when none is finite', () => {
    expect(mean([1, 2, Number.NaN, 3])).toBe(2);
    expect(mean([Number.NaN])).toBeNull();
    expect(standardDeviation([2])).toBeNull();
    expect(standardDeviation([2, 4])).toBeCloseTo(Math.SQRT2);
    const sample = (value: number | null, repeat: number) => ({ network: 'vxlan', leg: 'direct', figure: 'httpRps' as const, repeat, value });
    expect(summarizeSamples([sample(10, 0), sample(20, 1)], ['httpRps', 'tcpGbit1'])).toEqual({
      figures: { httpRps: 15, tcpGbit1: null },
      spread: { httpRps: Math.sqrt(50), tcpGbit1: null },
    });
  });

  it('writes every sample to CSV, a gap as an empty value', () => {
    const csv = formatSamplesCsv([
      { network: 'routed', leg: 'iptables', figure: 'tcpGbit1', repeat: 0, value: 9.5 },
      { network: 'vxlan', leg: 'ipvs (kernel VM)', figure: 'kpxCpuPct', repeat: 1, value: null },
    ]);
    expect(csv).toBe('network,leg,figure,repeat,value\nrouted,iptables,tcpGbit1,1,9.5\nvxlan,ipvs (kernel VM),kpxCpuPct,2,\n');
  });
});
