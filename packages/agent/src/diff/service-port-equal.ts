// Equality of two versions of a ServicePort, fast enough for 10k ports per sync.
import type { CategorizedEndpoints, Endpoint, ServicePort } from '../model/types.ts';
import { isStructurallyEqual } from './structural-equal.ts';

function haveSameEndpointStrings(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] as Endpoint).endpoint !== (b[i] as Endpoint).endpoint) return false;
  return true;
}

/**
 * `cluster`, `local` and `allReachable` are drawn from `all`, which holds one Endpoint per
 * `endpoint` string: once `all` is equal, the subsets are equal when their strings are.
 */
function isSameCategorized(a: CategorizedEndpoints, b: CategorizedEndpoints): boolean {
  return (
    a === b ||
    (a.hasAnyEndpoints === b.hasAnyEndpoints &&
      isStructurallyEqual(a.all, b.all) &&
      haveSameEndpointStrings(a.cluster, b.cluster) &&
      haveSameEndpointStrings(a.local, b.local) &&
      haveSameEndpointStrings(a.allReachable, b.allReachable))
  );
}

export function isSameServicePort(a: ServicePort, b: ServicePort): boolean {
  if (a === b) return true;
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    count++;
    if (key === 'endpoints') continue;
    if (!Object.hasOwn(right, key) || !isStructurallyEqual(left[key], right[key])) return false;
  }
  for (const key in right) if (Object.hasOwn(right, key)) count--;
  return count === 0 && isSameCategorized(a.endpoints, b.endpoints);
}
