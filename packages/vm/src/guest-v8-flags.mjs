// Preloaded (NODE_OPTIONS=--import) into every Node process inside the kernel VM, before any
// TypeScript is loaded: Node strips types with a WebAssembly build of swc (amaro), and V8 by
// default compiles and re-tiers WebAssembly on background threads, patching code that another
// thread may be running. Under qemu's multi-threaded TCG that cross-thread code patching is not
// reliable: about one cold node start in nine died with SIGSEGV or a V8 check failure
// ("it->second.Size() > offset"). Compiling WebAssembly on the main thread only, without
// tier-up, made it 0 in 64 (bench/vm/cold-node-starts.bench.ts measures both). Plain .mjs, since
// a .ts preload would load amaro before these flags are set.
import { setFlagsFromString } from 'node:v8';

const GUEST_V8_FLAGS = ['--wasm-num-compilation-tasks=0', '--no-wasm-tier-up', '--no-wasm-dynamic-tiering'];

for (const flag of GUEST_V8_FLAGS) setFlagsFromString(flag);
