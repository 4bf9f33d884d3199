import { describe, expect, it } from 'vitest';
import { diffStates } from '../diff/diff-states.ts';
import type { ServicePort } from '../model/types.ts';
import type { Exec, ExecRequest } from '../sys/exec.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../test/helpers/state-builders.ts';
import { reconcileStaleConntrack } from './conntrack-reconcile.ts';

const LISTING = [
  'udp      17 29 src=10.0.0.1 dst=10.96.0.53 sport=40000 dport=53 src=10.244.1.10 dst=10.0.0.1 sport=5353 dport=40000 mark=0 use=1',
  'udp      17 29 src=10.0.0.1 dst=10.96.0.53 sport=40001 dport=53 src=10.244.1.11 dst=10.0.0.1 sport=5353 dport=40001 mark=0 use=1',
  'udp      17 29 src=10.0.0.2 dst=10.96.0.53 sport=40002 dport=53 src=10.244.1.11 dst=10.0.0.2 sport=5353 dport=40002 mark=0 use=1',
].join('\n');

function recording(): { exec: Exec; calls: string[] } {
  const calls: string[] = [];
  const exec: Exec = async (request: ExecRequest) => {
    calls.push(request.args.join(' '));
    if (request.args[0] === '-L') return { exitCode: 0, stdout: `${LISTING}\n`, stderr: '', durationMs: 0 };
    return { exitCode: 0, stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): 2 flow entries have been deleted.\n', durationMs: 0 };
  };
  return { exec, calls };
}

const dns = (protocol: 'UDP' | 'TCP', endpointIPs: readonly string[]): ServicePort =>
  makeServicePort('ns1', 'dns', 'dns', (port) => {
    port.protocol = protocol;
    port.clusterIP = '10.96.0.53';
    port.port = 53;
    port.endpoints = endpointIPs.map((ip) => makeEndpoint(ip, 5353));
  });

describe('reconcileStaleConntrack', () => {
  it("lists the family's UDP flows and deletes the stale ones in one deletion per (service IP, endpoint)", async () => {
    const { exec, calls } = recording();
    const report = await reconcileStaleConntrack(exec, makeState([dns('UDP', ['10.244.1.10'])]));
    expect(calls).toEqual(['-L -p udp -f ipv4', '-D -p udp --orig-dst 10.96.0.53 --reply-src 10.244.1.11']);
    expect(report).toEqual({ flows: 3, filters: 1, deletedEntries: 2, failures: [] });
  });

  it('does not read the table when no UDP port has a serving endpoint, but still clears deleted UDP services', async () => {
    const { exec, calls } = recording();
    const before = makeState([dns('UDP', ['10.244.1.10'])]);
    const after = makeState([]);
    await reconcileStaleConntrack(exec, after, diffStates(before, after));
    await reconcileStaleConntrack(exec, makeState([dns('TCP', ['10.244.1.10'])]));
    expect(calls).toEqual(['-D -p udp --orig-dst 10.96.0.53']);
  });

  it('reports a failed listing without throwing', async () => {
    const failing: Exec = async () => ({
      exitCode: 1,
      stdout: '',
      stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters\n',
      durationMs: 0,
    });
    const report = await reconcileStaleConntrack(failing, makeState([dns('UDP', ['10.244.1.10'])]));
    expect(report.flows).toBe(0);
    expect(report.failures).toHaveLength(1);
  });
});
