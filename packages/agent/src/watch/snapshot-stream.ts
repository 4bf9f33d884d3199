// Hands snapshots to one consumer, pulled rather than pushed: a snapshot is built only when
// the consumer asks and something is pending, after a short coalescing window, so a burst
// becomes one snapshot and changes arriving while the consumer is busy fold into the next
// one instead of queueing.
import { KpxError } from '../errors.ts';
import type { Snapshot } from './snapshot.ts';
import { sleep, type WatchClock } from './watch-clock.ts';

export interface SnapshotSource {
  /** Whether a snapshot may be handed over at all (the synced gate). */
  isReady(): boolean;
  /** Whether anything is pending. */
  isDirty(): boolean;
  /** Builds the snapshot and clears what is pending; synchronous, so it sees one consistent state. */
  take(): Snapshot;
}

export interface SnapshotStream {
  readonly snapshots: AsyncIterable<Snapshot>;
  /** Something changed: wakes a waiting consumer. */
  notify(): void;
  /** Ends the stream; a waiting consumer gets `done`. */
  close(): void;
}

export function createSnapshotStream(source: SnapshotSource, clock: WatchClock, coalesceMs: number): SnapshotStream {
  const closing = new AbortController();
  let wakeConsumer: (() => void) | undefined;
  let hasConsumer = false;
  const notify = (): void => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  async function nextSnapshot(): Promise<Snapshot | undefined> {
    while (!closing.signal.aborted) {
      if (source.isReady() && source.isDirty()) {
        await sleep(clock, coalesceMs, closing.signal);
        return closing.signal.aborted ? undefined : source.take();
      }
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
    return undefined;
  }
  return {
    snapshots: {
      [Symbol.asyncIterator]() {
        if (hasConsumer) throw new KpxError('KPX_ERR_UNSUPPORTED', 'the snapshot stream has one consumer only');
        hasConsumer = true;
        return {
          async next(): Promise<IteratorResult<Snapshot>> {
            const snapshot = await nextSnapshot();
            return snapshot === undefined ? { done: true, value: undefined } : { done: false, value: snapshot };
          },
        };
      },
    },
    notify,
    close() {
      closing.abort();
      notify();
    },
  };
}

/** Feeds every snapshot to `onSnapshot`, one at a time; a throw or rejection goes to `onError`, never further. */
export async function deliverSnapshots(
  snapshots: AsyncIterable<Snapshot>,
  onSnapshot: (snapshot: Snapshot) => void | Promise<void>,
  onError: (error: unknown, snapshot: Snapshot) => void,
): Promise<void> {
  for await (const snapshot of snapshots) {
    try {
      await onSnapshot(snapshot);
    } catch (error) {
      onError(error, snapshot);
    }
  }
}
