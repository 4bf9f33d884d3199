// The proxy modes the daemon e2e files run `kpx run` in, and what each needs around it: the
// flags for a node daemon in a topology's node namespace, the kubelet's backend hint for an
// iptables backend, and the mode's own rules read back in a form comparable across syncs.
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import { freePort } from './free-port.ts';
import { kpxRules, type LogLine } from './run-daemon-process.ts';

export type ProxyModeCase =
  { readonly label: string; readonly mode: 'iptables'; readonly backend: 'legacy' | 'nft' } | { readonly label: string; readonly mode: 'nftables' };

export const IPTABLES_LEGACY: ProxyModeCase = { label: 'iptables, legacy backend', mode: 'iptables', backend: 'legacy' };
export const IPTABLES_NFT: ProxyModeCase = { label: 'iptables, nft backend', mode: 'iptables', backend: 'nft' };
export const NFTABLES: ProxyModeCase = { label: 'nftables', mode: 'nftables' };

export const isAppliedSync = (line: LogLine): boolean => line.msg === 'sync done' && line['applied'] === true;

/**
 * `kpx run` flags for the node `node` in `netns` against `apiUrl`: loopback health and metrics
 * ports, a 100 ms minimum sync period (the iptables flags set the nftables periods too, as upstream's do).
 */
export async function nodeDaemonArgs(apiUrl: string, netns: string, modeCase: ProxyModeCase, clusterCIDR: string): Promise<string[]> {
  return [
    '--proxy-mode',
    modeCase.mode,
    '--master',
    apiUrl,
    '--hostname-override',
    'node',
    '--netns',
    netns,
    '--cluster-cidr',
    clusterCIDR,
    '--healthz-bind-address',
    `127.0.0.1:${await freePort()}`,
    '--metrics-bind-address',
    `127.0.0.1:${await freePort()}`,
    '--iptables-min-sync-period',
    '100ms',
    '--iptables-sync-period',
    '30s',
  ];
}

/**
 * Makes the daemon pick the case's iptables backend as it would on a real node: the kubelet's
 * KUBE-KUBELET-CANARY chain in that backend's mangle table. Nothing for nftables.
 */
export async function plantBackendHint(exec: Exec, modeCase: ProxyModeCase): Promise<void> {
  if (modeCase.mode !== 'iptables') return;
  await execOk(exec, { file: `iptables-${modeCase.backend}`, args: ['-t', 'mangle', '-N', 'KUBE-KUBELET-CANARY'] });
}

/** The backend the daemon logged choosing, or `nftables`. */
export function chosenBackend(logs: readonly LogLine[]): unknown {
  return (
    logs.find((line) => line.msg === 'iptables backend chosen')?.['backend'] ??
    (logs.some((line) => line.msg === 'nftables table ready') ? 'nftables' : undefined)
  );
}

/** `nft list table` output without counters, as lines; empty when the table does not exist. */
export async function nftTableLines(exec: Exec, table: string, family = 'ip'): Promise<string[]> {
  const result = await exec({ file: 'nft', args: ['list', 'table', family, table] });
  if (result.exitCode !== 0) return [];
  return result.stdout
    .replace(/ counter packets \d+ bytes \d+/g, ' counter')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** What the case's mode programmed in the namespace `exec` runs in, comparable across runs. */
export async function savedModeRules(exec: Exec, modeCase: ProxyModeCase): Promise<string[]> {
  if (modeCase.mode === 'nftables') return nftTableLines(exec, 'kube-proxy');
  const legacy = await execOk(exec, { file: 'iptables-legacy-save', args: [] });
  const nft = await execOk(exec, { file: 'iptables-nft-save', args: [] });
  return kpxRules(`${legacy.stdout}${nft.stdout}`);
}
