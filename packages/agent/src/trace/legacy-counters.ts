// iptables on the legacy backend has no trace events kpx can read (its TRACE target logs to
// the kernel log, shared by every namespace): the rules whose counters moved across the probe
// (`iptables-legacy-save -c` before and after) stand in for them. Nothing is added.
import type { Exec } from '../sys/exec.ts';
import { diffCounters } from './counter-diff.ts';
import type { RuleTracer } from './rule-tracer.ts';
import { nftFamily } from './trace-rules.ts';
import type { Flow } from './trace-types.ts';

export const LEGACY_NOTE =
  'the iptables legacy backend cannot be traced (no trace events); these are the rules whose packet counters moved during the probe (iptables-legacy-save -c before and after), and other traffic in the namespace moves them too';

export function legacyCounters(exec: Exec, flow: Flow): RuleTracer {
  const save = nftFamily(flow) === 'ip6' ? 'ip6tables-legacy-save' : 'iptables-legacy-save';
  let before = '';
  return {
    source: { kind: 'legacy-counters', note: LEGACY_NOTE },
    async arm() {
      before = (await exec({ file: save, args: ['-c'] })).stdout;
    },
    async collect() {
      return diffCounters(before, (await exec({ file: save, args: ['-c'] })).stdout);
    },
    remove: () => Promise.resolve(true),
  };
}
