// Reading back what the kernel holds for kpx: its virtual servers, its sets, the kube-ipvs0
// addresses, in the same text forms `kpx render --mode ipvs` prints.
import type { IPFamily } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { addAddressLine } from './address-text.ts';
import { readDeviceAddresses, readIpsetSave, readIpvsadmSave } from './apply.ts';
import { addEntryLine } from './ipset-text.ts';
import { addServiceLine, realServerLine } from './ipvsadm-text.ts';
import { IPSETS } from './kernel-names.ts';
import { ownsVirtualServer, parseKernelState, type KernelState, type Ownership } from './kernel-state.ts';

export async function readKernelState(exec: Exec, family: IPFamily): Promise<{ state: KernelState; toolMs: number }> {
  const ipvs = await readIpvsadmSave(exec);
  const sets = await readIpsetSave(exec);
  const addresses = await readDeviceAddresses(exec);
  return {
    state: parseKernelState(ipvs.stdout, sets.stdout, addresses.stdout, family),
    toolMs: ipvs.durationMs + sets.durationMs + addresses.durationMs,
  };
}

/** Pure: kpx's part of a kernel state as text; with `serviceKeys`, only those virtual servers (and no sets). */
export function describeKernelState(state: KernelState, ownership: Ownership, serviceKeys?: ReadonlySet<string>): string {
  const lines: string[] = [];
  if (serviceKeys === undefined) {
    lines.push('# ipsets');
    for (const info of IPSETS) {
      for (const entry of [...(state.sets.get(info.name) ?? [])].sort()) lines.push(addEntryLine(info.name, entry, ownership.family));
    }
  }
  lines.push('# IPVS');
  for (const key of [...state.virtualServers.keys()].sort()) {
    const found = state.virtualServers.get(key);
    if (found === undefined || !ownsVirtualServer(state, found.service, ownership)) continue;
    if (serviceKeys !== undefined && !serviceKeys.has(key)) continue;
    lines.push(addServiceLine(found.service));
    for (const real of found.reals) lines.push(realServerLine('-a', found.service, real));
  }
  if (serviceKeys === undefined) {
    lines.push('# kube-ipvs0 addresses');
    for (const address of [...state.addresses].sort()) lines.push(addAddressLine(address));
  }
  return lines.join('\n') + '\n';
}
