import { describe, expect, it } from 'vitest';
import { adoptKernelVmLegs, relayLine } from './kernel-vm-leg.ts';
import type { Progress } from './progress.ts';
import { renderCharts } from './report-html.ts';
import { formatReportTable } from './report-table.ts';
import type { LabReport, LegFigures, ModeFigures } from './report-types.ts';

const legFigures: LegFigures = {
  tcpGbit1: 2,
  tcpRetrans1: 0,
  tcpGbitN: 4,
  tcpRetransN: 3,
  udpGbit: 1,
  udpJitterMs: 0.01,
  udpLossPct: 40,
  httpRps: 500,
  httpP50Us: 500,
  httpP99Us: 900,
  httpCloseRps: 400,
  httpCloseP50Us: 600,
  httpCloseP99Us: 1000,
  nodeUserPct: 30,
  nodeSystemPct: 40,
  nodeSoftirqPct: 10,
  kpxCpuPct: null,
  kpxRssIdleMb: null,
  kpxRssLoadMb: null,
};
const modeFigures: ModeFigures = {
  ...legFigures,
  tcpGbit1: 1,
  httpP50Us: 700,
  kpxCpuPct: 1,
  kpxRssIdleMb: 80,
  kpxRssLoadMb: 90,
  apiChangeP50Ms: 300,
  apiChangeMaxMs: 400,
  firstSyncMs: 5000,
  syncP50Ms: 350,
};
const measured = { network: 'routed', spread: {}, gaps: [] };
const host = { cpus: 2, cpuModel: 'test CPU', kernel: '6.1.0-56-amd64', tools: {}, sysctls: [] };

function innerReport(): LabReport {
  return {
    startedAt: '2026-11-28T00:00:00.000Z',
    durationS: 100,
    settings: { networks: ['routed'], modes: ['ipvs'], measureSeconds: 2, repeat: 1, syntheticServices: 100, streams: 4 },
    host,
    networks: [{ name: 'routed', status: 'ok', podMtu: 1500, nodeMtu: 1500 }],
    legs: [
      { name: 'direct', status: 'ok', ...measured, figures: legFigures },
      {
        name: 'ipvs',
        status: 'ok',
        ...measured,
        figures: modeFigures,
        checks: [],
        node1SyncsMs: [5000, 350],
        apiChanges: { followed: 3, total: 3, waitMs: 15_000 },
      },
    ],
    samples: [],
    endpointsSeen: ['pod-a'],
  };
}

describe('the kernel VM leg', () => {
  it('renames the VM legs and compares the VM mode with the VM baseline, never with the host one', () => {
    const vm = { kernel: '6.1.0-56-amd64', vmSeconds: 101 };
    const legs = adoptKernelVmLegs(innerReport(), vm);
    expect(legs.map((leg) => [leg.name, leg.status, 'baseline' in leg ? leg.baseline : undefined])).toEqual([
      ['direct (kernel VM)', 'ok', undefined],
      ['ipvs (kernel VM)', 'ok', 'direct (kernel VM)'],
    ]);
    const hostDirect = { name: 'direct', status: 'ok' as const, ...measured, figures: { ...legFigures, tcpGbit1: 20, httpP50Us: 70 } };
    const table = formatReportTable({ ...innerReport(), host: { ...host, kernel: 'host' }, legs: [hostDirect, ...legs] });
    expect(table).toContain(
      'routed ipvs (kernel VM) vs direct (kernel VM): TCP 1 stream -50.0%, TCP N streams +0.0%, UDP +0.0%, HTTP r/s +0.0%, HTTP p50 +200 µs',
    );
    expect(table).not.toMatch(/ipvs \(kernel VM\) vs direct:/);
    // With --repeat, a figure shows its spread.
    const repeated = formatReportTable({ ...innerReport(), legs: [{ ...hostDirect, spread: { tcpGbit1: 0.5 } }] });
    expect(repeated).toMatch(/^routed +direct +20\.00±0\.50 /m);
    // Not measured is a dash, never 0.
    expect(table.split('\n').find((line) => line.startsWith('routed   direct ') && !line.includes('VM'))).toMatch(/ — /);
    expect(table).toContain("rows marked (kernel VM) ran inside Debian's kernel 6.1.0-56-amd64 under qemu on an emulated CPU (101 s)");
  });

  it('charts every mode against its own baseline, so host and VM legs can stand side by side', () => {
    const legs = adoptKernelVmLegs(innerReport(), { kernel: 'k', vmSeconds: 1 });
    const hostDirect = { name: 'direct', status: 'ok' as const, ...measured, figures: { ...legFigures, tcpGbit1: 20 } };
    const charts = renderCharts({ ...innerReport(), legs: [hostDirect, ...legs] });
    expect(charts).toHaveLength(7);
    const versus = charts[6];
    expect(versus).toContain('Versus its own direct baseline');
    expect(versus).toMatch(/routed ipvs \(kernel/);
    // TCP 1 stream: 1 Gbit/s in the VM against the VM's 2, not the host's 20.
    expect(versus).toMatch(/>50</);
  });

  it('says a leg that failed or was skipped inside the VM did so there', () => {
    const report = {
      ...innerReport(),
      legs: [innerReport().legs[0]!, { name: 'ipvs', network: 'routed', status: 'failed' as const, reason: 'kpx run did not start' }],
    };
    expect(adoptKernelVmLegs(report, { kernel: 'k', vmSeconds: 1 })[1]).toEqual({
      name: 'ipvs (kernel VM)',
      network: 'routed',
      status: 'failed',
      reason: 'in the kernel VM: kpx run did not start',
    });
  });

  it("relays the VM lab's progress lines as steps and bars, without their own timestamps", () => {
    const seen: string[] = [];
    const progress: Progress = {
      step: (text) => seen.push(`step ${text}`),
      bar: (label, index, total) => seen.push(`bar ${label} ${index}/${total}`),
      done: () => undefined,
    };
    relayLine(progress, 'vm: ', '[ 12.3s] building the cluster');
    relayLine(progress, 'vm: ', '[ 14.0s]   [########............] ipvs: TCP request/response');
    relayLine(progress, 'vm: ', '');
    expect(seen).toEqual(['step vm: building the cluster', 'bar vm: ipvs: TCP request/response 8/20']);
  });
});
