import type { ServicePort, ServicePortName } from '../model/types.ts';

/** What differs between two consecutive desired states. */
export interface ChangeSet {
  /** Node context changed (or no previous state): every service port must be rewritten. */
  readonly full: boolean;
  /** Ports that are new or whose content differs. */
  readonly changed: ReadonlySet<ServicePortName>;
  /** Ports present before and gone now. */
  readonly deleted: ReadonlySet<ServicePortName>;
  /**
   * The previous version of every changed (when it existed) and deleted port, so that a
   * mode can name what it programmed for them before (stale chains, real servers, conntrack).
   */
  readonly previous: ReadonlyMap<ServicePortName, ServicePort>;
  /**
   * Set by the proxier on a periodic (syncPeriod) partial sync: a mode also rewrites what
   * upstream's proxier of that mode rewrites on every sync, changed or not (the iptables
   * mode: its top-level chains, never the per-service chains nor the jump rules).
   */
  readonly periodic?: boolean;
}
