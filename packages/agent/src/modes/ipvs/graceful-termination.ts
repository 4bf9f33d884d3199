// Graceful termination as upstream's GracefulTerminationManager: a TCP real server leaving
// a virtual server first gets weight 0 (no new connections) and is deleted once it has no
// active or inactive connections, or when it has drained for longer than the timeout. UDP
// and SCTP real servers are deleted at once (expire_nodest_conn drops their flows).
import type { Protocol } from '../../model/types.ts';

/** `SERVICESPEC -r HOSTPORT` → when draining started (ms, from the Clock). */
export type Draining = Map<string, number>;

export function drainKey(serviceKey: string, realHostPort: string): string {
  return `${serviceKey} -r ${realHostPort}`;
}

export function splitDrainKey(key: string): { serviceKey: string; realHostPort: string } {
  const at = key.lastIndexOf(' -r ');
  return { serviceKey: key.slice(0, at), realHostPort: key.slice(at + 4) };
}

export function drainsGracefully(protocol: Protocol): boolean {
  return protocol === 'TCP';
}

export interface DrainDecision {
  /** Drain keys whose real server can go now. */
  readonly done: string[];
  /** Of those, the ones that went because the timeout passed with connections left. */
  readonly timedOut: string[];
}

/**
 * Pure: which draining real servers may be deleted, given their connection counts
 * (SERVICESPEC → HOSTPORT → active+inactive; a real server absent from the counts is gone
 * already and only forgotten).
 */
export function decideDrained(
  draining: ReadonlyMap<string, number>,
  connections: ReadonlyMap<string, ReadonlyMap<string, number>>,
  nowMs: number,
  timeoutMs: number,
): DrainDecision {
  const done: string[] = [];
  const timedOut: string[] = [];
  for (const [key, since] of [...draining].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { serviceKey, realHostPort } = splitDrainKey(key);
    const count = connections.get(serviceKey)?.get(realHostPort);
    if (count === undefined || count === 0) done.push(key);
    else if (nowMs - since >= timeoutMs) {
      done.push(key);
      timedOut.push(key);
    }
  }
  return { done, timedOut };
}
