// The stable text `kpx render --mode userspace` prints: one line per listener, then conflicts.
import type { UserspaceListener, UserspacePlan } from './plan-types.ts';

function formatListener(listener: UserspaceListener): string {
  const affinity = listener.sessionAffinity.type === 'ClientIP' ? `ClientIP/${listener.sessionAffinity.timeoutSeconds}s` : 'None';
  const fields = [listener.key, listener.servicePortName, listener.kind, `affinity=${affinity}`];
  if (listener.sourceRanges.length > 0) fields.push(`sourceRanges=${listener.sourceRanges.join(',')}`);
  const targets = listener.endpoints.length === 0 ? '(no endpoints: refused)' : listener.endpoints.map((endpoint) => endpoint.endpoint).join(' ');
  return `${fields.join(' ')} -> ${targets}`;
}

export function formatUserspacePlan(plan: UserspacePlan): string {
  const lines = [`# userspace ${plan.ipFamily}: ${plan.listeners.length} listeners, ${plan.conflicts.length} conflicts`];
  lines.push(`# local service addresses: ${plan.serviceAddresses.length === 0 ? '(none)' : plan.serviceAddresses.join(' ')}`);
  for (const listener of plan.listeners) lines.push(formatListener(listener));
  for (const conflict of plan.conflicts) lines.push(`conflict ${conflict.key} ${conflict.servicePortName} (held by ${conflict.heldBy})`);
  return `${lines.join('\n')}\n`;
}
