// `kpx run --cleanup` for IPVS: delete the virtual servers kpx owns (never the others), the
// kube-ipvs0 device, kpx's iptables chains and jumps, then kpx's ipsets (once no rule uses them).
import type { IPFamily } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { runRestore, saveTable } from '../../netfilter/restore.ts';
import type { IptablesTools } from '../../netfilter/backend-detect.ts';
import { cleanupPayload, planChainRemoval } from '../../netfilter/chain-removal.ts';
import { KUBE_PROXY_CANARY } from '../../netfilter/flush-canary.ts';
import { emptyTable, parseSaveText } from '../../netfilter/saved-ruleset.ts';
import { runIpsetRestore, runIpvsadmRestore } from './apply.ts';
import { deleteServiceLine } from './ipvsadm-text.ts';
import { DUMMY_DEVICE, FILTER_CHAINS, IPSETS, kernelSetName, NAT_CHAINS } from './kernel-names.ts';
import { ownsVirtualServer, type Ownership } from './kernel-state.ts';
import { readKernelState } from './observe.ts';

export interface IpvsCleanupReport {
  readonly virtualServersRemoved: number;
  readonly chainsRemoved: number;
  readonly setsDestroyed: number;
}

export async function cleanupIpvs(exec: Exec, tools: IptablesTools, ownership: Ownership): Promise<IpvsCleanupReport> {
  const { state } = await readKernelState(exec, ownership.family);
  const deletions = [...state.virtualServers.values()]
    .filter((found) => ownsVirtualServer(state, found.service, ownership))
    .map((found) => deleteServiceLine(found.service));
  await runIpvsadmRestore(exec, deletions);
  await exec({ file: 'ip', args: ['link', 'del', DUMMY_DEVICE] });
  let chainsRemoved = 0;
  for (const [table, chains] of [
    ['nat', NAT_CHAINS],
    ['filter', FILTER_CHAINS],
  ] as const) {
    const owned = new Set<string>([...chains, KUBE_PROXY_CANARY]);
    const saved = parseSaveText(await saveTable(exec, tools, table)).get(table) ?? emptyTable(table);
    const removal = planChainRemoval(saved, (chain) => owned.has(chain));
    const payload = cleanupPayload(table, removal);
    if (payload !== '') await runRestore(exec, tools, payload);
    chainsRemoved += removal.chains.length;
  }
  const present = [...state.sets.keys()];
  await runIpsetRestore(
    exec,
    present.map((set) => `destroy ${kernelSetName(set, ownership.family)}`),
  );
  return { virtualServersRemoved: deletions.length, chainsRemoved, setsDestroyed: present.filter((set) => IPSETS.some((info) => info.name === set)).length };
}

export type { IPFamily };
