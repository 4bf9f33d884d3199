// What the dataplane holds per open listener, whatever its protocol.
import type { Logger } from '../../../log.ts';
import type { Clock } from '../../mode.ts';
import type { UserspaceListener } from '../plan-types.ts';

export interface ProxyListener {
  /** New endpoints (or affinity) for the same socket: new connections use them at once. */
  update(listener: UserspaceListener): void;
  /** Stops accepting; established TCP/SCTP connections drain, UDP sessions end. */
  close(): Promise<void>;
  /** Stops accepting and ends every connection and session now. */
  destroy(): Promise<void>;
  /** Established connections (TCP/SCTP) or live sessions (UDP). */
  activeCount(): number;
}

export interface ProxyDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

/** Strips the IPv4-mapped prefix Node reports on dual-stack sockets. */
export function clientAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
