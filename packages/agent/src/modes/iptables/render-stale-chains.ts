// On a partial sync, the chains that changed or deleted ports had before and no longer need.
// Upstream finds them by diffing iptables-save against the chains it wrote; kpx replays the
// port policy on the previous versions the ChangeSet carries, so the plan stays pure.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { ServicePortName } from '../../model/types.ts';
import { decidePortPolicy } from './render-port-policy.ts';

/**
 * @param currentChains the nat chains each changed port needs now (absent for deleted ports).
 * @returns stale chain names, sorted.
 */
export function findStaleChains(changed: ChangeSet, currentChains: ReadonlyMap<ServicePortName, readonly string[]>): string[] {
  const stale = new Set<string>();
  for (const [name, previous] of changed.previous) {
    if (!changed.deleted.has(name) && !changed.changed.has(name)) continue;
    const keep = new Set(currentChains.get(name) ?? []);
    for (const chain of decidePortPolicy(previous).natChains) {
      if (!keep.has(chain)) stale.add(chain);
    }
  }
  return [...stale].sort();
}
