// A map kept across the builds of a memoizing builder: every entry read or written during a
// build is marked, and sweep() ends the build by evicting the entries it did not touch (the
// versions of objects that changed or went away). One table serves every build, where a
// fresh map per build would hold as many entries again: at 10k objects each such map lands
// in V8's large-object space and lives until the next full GC. Pure.

export interface SweptMap<K, V> {
  readonly size: number;
  /** The value, marking it as used by the current build. */
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  /** Ends the current build: drops every entry it neither read nor wrote. */
  sweep(): void;
  clear(): void;
}

interface Entry<V> {
  readonly value: V;
  build: number;
}

export function createSweptMap<K, V>(): SweptMap<K, V> {
  const entries = new Map<K, Entry<V>>();
  let build = 0;
  return {
    get size() {
      return entries.size;
    },
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entry.build = build;
      return entry.value;
    },
    set(key, value) {
      entries.set(key, { value, build });
    },
    sweep() {
      for (const [key, entry] of entries) if (entry.build !== build) entries.delete(key);
      build += 1;
    },
    clear() {
      entries.clear();
    },
  };
}
