// libnftables in the kpx process (koffi): one long-lived nft context per dataplane, instead of
// an `ip netns exec NS nft -f -` process per sync. Measured at 10k services (ARCHITECTURE.md):
// a process pays its start, the netns switch and, when its transaction deleted anything, the
// close of its netlink socket, which waits for an RCU grace period (10–30 ms); the context keeps
// its socket open. For a network namespace, the context's socket is opened inside it: the JS
// thread enters the namespace (setns) around nft_ctx_new and goes back at once; a socket stays
// in the namespace it was created in. Transactions run on koffi's worker thread, one at a time,
// so a full sync does not block the event loop.
import { openSync, closeSync } from 'node:fs';
import { KpxError } from '../../errors.ts';
import { assertNetnsName } from '../../sys/netns.ts';

/** Where iproute2 keeps named network namespaces. */
const NETNS_DIR = '/run/netns';

const CLONE_NEWNET = 0x40000000;
const NFT_CTX_DEFAULT = 0;

export interface NftContext {
  /** Runs one transaction (nft -f text); resolves with nft's duration, rejects with its error text. */
  run(text: string): Promise<{ ok: boolean; ms: number; error: string; output: string }>;
  close(): void;
}

interface Bindings {
  ctxNew: (flags: number) => unknown;
  ctxFree: (ctx: unknown) => void;
  bufferOutput: (ctx: unknown) => number;
  bufferError: (ctx: unknown) => number;
  getOutput: (ctx: unknown) => string;
  getError: (ctx: unknown) => string;
  runAsync: (ctx: unknown, text: string, done: (error: unknown, result: number) => void) => void;
  setns: (fd: number, type: number) => number;
  errno: () => number;
}

let loaded: Promise<Bindings> | undefined;

async function load(): Promise<Bindings> {
  const koffi = (await import('koffi')).default;
  const nft = koffi.load('libnftables.so.1');
  const libc = koffi.load('libc.so.6');
  koffi.opaque('nft_ctx');
  const run = nft.func('int nft_run_cmd_from_buffer(nft_ctx *ctx, const char *buf)');
  return {
    ctxNew: nft.func('nft_ctx *nft_ctx_new(uint32_t flags)'),
    ctxFree: nft.func('void nft_ctx_free(nft_ctx *ctx)'),
    bufferOutput: nft.func('int nft_ctx_buffer_output(nft_ctx *ctx)'),
    bufferError: nft.func('int nft_ctx_buffer_error(nft_ctx *ctx)'),
    getOutput: nft.func('const char *nft_ctx_get_output_buffer(nft_ctx *ctx)'),
    getError: nft.func('const char *nft_ctx_get_error_buffer(nft_ctx *ctx)'),
    runAsync: (ctx, text, done) => run.async(ctx, text, done),
    setns: libc.func('int setns(int fd, int nstype)'),
    errno: () => koffi.errno(),
  };
}

/**
 * Every call into libnftables, whatever its context, runs one at a time: the library keeps
 * process-wide state (its parser's and its netlink code's), and koffi runs each call on a
 * libuv worker thread, so two families' contexts would otherwise run at once.
 */
let callQueue: Promise<unknown> = Promise.resolve();

/** A context whose netlink socket lives in `netns` (or kpx's own namespace); KPX_ERR_NFT if libnftables cannot be loaded. */
export async function openNftContext(netns?: string): Promise<NftContext> {
  let lib: Bindings;
  try {
    loaded ??= load();
    lib = await loaded;
  } catch (error) {
    loaded = undefined;
    throw new KpxError('KPX_ERR_NFT', 'libnftables could not be loaded', { cause: error });
  }
  const ctx = netns === undefined ? lib.ctxNew(NFT_CTX_DEFAULT) : inNetns(lib, netns, () => lib.ctxNew(NFT_CTX_DEFAULT));
  if (ctx === null) throw new KpxError('KPX_ERR_NFT', 'nft_ctx_new failed');
  lib.bufferOutput(ctx);
  lib.bufferError(ctx);
  let open = true;
  const runOne = (text: string): Promise<{ ok: boolean; ms: number; error: string; output: string }> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      lib.runAsync(ctx, text, (error, result) => {
        if (error !== null && error !== undefined) return reject(new KpxError('KPX_ERR_NFT', 'libnftables call failed', { cause: error }));
        resolve({ ok: result === 0, ms: performance.now() - started, error: lib.getError(ctx) ?? '', output: lib.getOutput(ctx) ?? '' });
      });
    });
  return {
    run(text) {
      if (!open) return Promise.reject(new KpxError('KPX_ERR_NFT', 'the nft context is closed'));
      const next = callQueue.then(() => runOne(text));
      callQueue = next.catch(() => undefined);
      return next;
    },
    close() {
      if (!open) return;
      open = false;
      callQueue = callQueue.then(() => lib.ctxFree(ctx));
    },
  };
}

/** Runs `create` with the calling thread in `netns`, then returns it to the namespace it was in. */
function inNetns<T>(lib: Bindings, netns: string, create: () => T): T {
  assertNetnsName(netns);
  const home = openSync('/proc/thread-self/ns/net', 'r');
  let target: number | undefined;
  try {
    target = openSync(`${NETNS_DIR}/${netns}`, 'r');
    if (lib.setns(target, CLONE_NEWNET) !== 0) throw new KpxError('KPX_ERR_NFT', `setns into ${netns} failed`, { context: { errno: lib.errno() } });
    try {
      return create();
    } finally {
      // Not going back would leave kpx's JS thread in the pod network: that is an invariant, not an error.
      if (lib.setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back from ${netns} failed (errno ${lib.errno()})`);
    }
  } finally {
    if (target !== undefined) closeSync(target);
    closeSync(home);
  }
}
