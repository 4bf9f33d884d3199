// kube-proxy waits for its Node object at start-up (its IPs decide the IP family and the
// node IP; its pod CIDRs serve --detect-local-mode NodeCIDR), and goes on without it after
// a while. The gate hands the first snapshot that has the Node, or the newest one once the
// wait is over, to `open` exactly once.
import type { Logger } from '../log.ts';
import type { Clock } from '../modes/mode.ts';
import type { Snapshot } from '../watch/snapshot.ts';

export interface NodeGate {
  /** Each snapshot until the gate opens. */
  offer(snapshot: Snapshot): void;
  /** Cancels a pending wait. */
  close(): void;
}

export function createNodeGate(options: {
  readonly waitMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly open: (snapshot: Snapshot) => void;
}): NodeGate {
  const startedAt = options.clock.now();
  let latest: Snapshot | undefined;
  let timer: NodeJS.Timeout | undefined;
  let isOpen = false;
  const open = (snapshot: Snapshot): void => {
    if (isOpen) return;
    isOpen = true;
    if (timer !== undefined) clearTimeout(timer);
    if (snapshot.node === undefined)
      options.log.warn({ waitedMs: options.clock.now() - startedAt }, 'Node object not found; using --bind-address and defaults');
    options.open(snapshot);
  };
  return {
    offer(snapshot) {
      latest = snapshot;
      const waitLeftMs = options.waitMs - (options.clock.now() - startedAt);
      if (snapshot.node !== undefined || waitLeftMs <= 0) {
        open(snapshot);
      } else if (timer === undefined && !isOpen) {
        options.log.info({ waitMs: waitLeftMs }, 'waiting for the Node object');
        timer = setTimeout(() => latest !== undefined && open(latest), waitLeftMs);
        timer.unref();
      }
    },
    close() {
      isOpen = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
