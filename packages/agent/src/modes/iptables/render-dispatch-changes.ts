// On a partial sync, which top-level dispatch chains can have changed. Every port writes its
// own lines into them, in port-name order, so a chain's content is unchanged exactly when each
// changed or deleted port contributes the same lines to it before and after: kpx renders both
// versions of those ports (the ChangeSet carries the previous ones) and compares. A chain that
// is unchanged is left out of the payload; `iptables-restore --noflush` keeps it as it is.
import type { ChangeSet } from '../../diff/change-set.ts';
import type { ServicePort, ServicePortName } from '../../model/types.ts';
import { decidePortPolicy } from './render-port-policy.ts';
import { DISPATCH_CHAINS, newDispatchBuffers, renderServiceDispatch, type DispatchChain } from './render-service-dispatch.ts';

export function findChangedDispatchChains(changed: ChangeSet, current: ReadonlyMap<ServicePortName, ServicePort>): Set<DispatchChain> {
  const result = new Set<DispatchChain>();
  for (const names of [changed.changed, changed.deleted]) {
    for (const name of names) {
      const before = dispatchTexts(changed.previous.get(name));
      const after = dispatchTexts(changed.deleted.has(name) ? undefined : current.get(name));
      for (const chain of DISPATCH_CHAINS) {
        if (before[chain] !== after[chain]) result.add(chain);
      }
    }
  }
  return result;
}

/** A port's lines in each dispatch chain; an absent port has none. */
function dispatchTexts(servicePort: ServicePort | undefined): Record<DispatchChain, string> {
  const buffers = newDispatchBuffers();
  if (servicePort !== undefined) renderServiceDispatch(decidePortPolicy(servicePort), buffers);
  const texts = {} as Record<DispatchChain, string>;
  for (const chain of DISPATCH_CHAINS) texts[chain] = buffers[chain].text();
  return texts;
}
