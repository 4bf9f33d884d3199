import { describe, expect, it } from 'vitest';
import type { Exec, ExecRequest } from '../sys/exec.ts';
import { iptablesTools } from './backend-detect.ts';
import { canaryRestoreText, findFlushedTables, isCanaryIntact } from './flush-canary.ts';

describe('flush canary', () => {
  it('declares the canary with its one rule in nat and filter', () => {
    expect(canaryRestoreText()).toBe(
      '*nat\n:KUBE-PROXY-CANARY - [0:0]\n-A KUBE-PROXY-CANARY -j RETURN\nCOMMIT\n' +
        '*filter\n:KUBE-PROXY-CANARY - [0:0]\n-A KUBE-PROXY-CANARY -j RETURN\nCOMMIT\n',
    );
  });

  it('tells intact from flushed (chain empty) and deleted (exit 1), and knows when it cannot tell', () => {
    expect(isCanaryIntact({ exitCode: 0, stdout: '-N KUBE-PROXY-CANARY\n-A KUBE-PROXY-CANARY -j RETURN\n' })).toBe(true);
    expect(isCanaryIntact({ exitCode: 0, stdout: '-N KUBE-PROXY-CANARY\n' })).toBe(false);
    expect(isCanaryIntact({ exitCode: 1, stdout: '' })).toBe(false);
    expect(isCanaryIntact({ exitCode: 4, stdout: '' })).toBeUndefined();
  });

  it('lists the canary of each table with the backend tool, and names the tables that lost it', async () => {
    const requests: ExecRequest[] = [];
    const exec: Exec = async (request) => {
      requests.push(request);
      const intact = request.args.includes('filter');
      return { exitCode: 0, stdout: intact ? '-N KUBE-PROXY-CANARY\n-A KUBE-PROXY-CANARY -j RETURN\n' : '-N KUBE-PROXY-CANARY\n', stderr: '', durationMs: 1 };
    };
    expect(await findFlushedTables(exec, iptablesTools('nft', 'IPv6'))).toEqual(['nat']);
    expect(requests.map((request) => [request.file, ...request.args].join(' '))).toEqual([
      'ip6tables-nft -w 5 -t nat -S KUBE-PROXY-CANARY',
      'ip6tables-nft -w 5 -t filter -S KUBE-PROXY-CANARY',
    ]);
    const broken: Exec = async () => ({ exitCode: 4, stdout: '', stderr: 'Another app is currently holding the xtables lock', durationMs: 1 });
    await expect(findFlushedTables(broken, iptablesTools('legacy', 'IPv4'))).rejects.toThrow('could not list KUBE-PROXY-CANARY');
  });
});
