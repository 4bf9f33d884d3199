// What `kpx render --mode ipvs` prints: four sections, each in the syntax of the tool that
// takes it, in a fixed order: ipsets (`ipset restore`), IPVS (`ipvsadm-save -n` form),
// the kube-ipvs0 addresses, and the iptables part with the jump rules kpx ensures.
import { describeJumpRule } from '../../netfilter/jump-rule.ts';
import { addAddressLine } from './address-text.ts';
import { IPSETS } from './kernel-names.ts';
import { addEntryLine, createSetLine } from './ipset-text.ts';
import { addServiceLine, realServerLine, serviceSpec } from './ipvsadm-text.ts';
import type { IpvsPlan } from './plan-types.ts';

export function formatIpvsPlan(plan: IpvsPlan): string {
  const sync = plan.full ? 'full sync' : 'partial sync';
  const lines = [`# kpx ipvs plan (${plan.ipFamily}, ${sync})`];
  if (plan.removed.length > 0) lines.push(`# removed service ports: ${plan.removed.join(' ')}`);
  const names = [...plan.ports.keys()].sort();

  lines.push('# ipsets (ipset restore -exist input)');
  const entries = new Map<string, Set<string>>();
  for (const name of names) {
    for (const { set, entry } of plan.ports.get(name)?.setEntries ?? []) {
      let seen = entries.get(set);
      if (seen === undefined) entries.set(set, (seen = new Set()));
      seen.add(entry);
    }
  }
  for (const info of IPSETS) lines.push(createSetLine(info, plan.ipFamily));
  for (const info of IPSETS) {
    for (const entry of [...(entries.get(info.name) ?? [])].sort()) lines.push(addEntryLine(info.name, entry, plan.ipFamily));
  }

  lines.push('# IPVS virtual and real servers (ipvsadm-save -n form, ipvsadm -R input)');
  const printed = new Set<string>();
  for (const name of names) {
    for (const virtualServer of plan.ports.get(name)?.virtualServers ?? []) {
      const key = serviceSpec(virtualServer);
      if (printed.has(key)) continue;
      printed.add(key);
      lines.push(addServiceLine(virtualServer));
      for (const real of virtualServer.realServers) lines.push(realServerLine('-a', virtualServer, real));
    }
  }

  lines.push('# kube-ipvs0 addresses (ip -batch input)');
  const addresses = new Set<string>();
  for (const name of names) for (const address of plan.ports.get(name)?.boundAddresses ?? []) addresses.add(address);
  for (const address of [...addresses].sort()) lines.push(addAddressLine(address));

  if (plan.iptables === undefined) {
    lines.push('# iptables: re-rendered by the dataplane from every port (partial plan)');
    return lines.join('\n') + '\n';
  }
  lines.push('# iptables (iptables-restore --noflush input); jump rules kpx ensures in built-in chains:');
  for (const rule of plan.iptables.jumpRules) lines.push(`#   ${describeJumpRule(rule)}`);
  return lines.join('\n') + '\n' + plan.iptables.restoreText;
}
