// Where the kernel VM harness keeps its files: everything under the repo's
// gitignored .cache/kernel, so a warm checkout boots without any download.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** KPX_KERNEL_CACHE moves it (e.g. to a CI cache folder). */
export const KERNEL_CACHE_DIR = process.env.KPX_KERNEL_CACHE ?? path.join(REPO_ROOT, '.cache', 'kernel');
export const INIT_SCRIPT_PATH = path.join(REPO_ROOT, 'scripts', 'kernel-vm', 'init.sh');
/** The project's pinned Node; the VM sees the host's / so this path works inside it too. */
export const PINNED_NODE = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
/** Preloaded into every node process in the guest (see the file for why). */
export const GUEST_V8_FLAGS_PRELOAD = path.join(REPO_ROOT, 'src', 'vm', 'guest-v8-flags.mjs');
/** Where the guest mounts the per-run job folder (see scripts/kernel-vm/init.sh). */
export const GUEST_JOB_DIR = '/kpx-vm';
/** Tools the host needs to be found in these folders too (root's PATH may lack sbin). */
export const SYSTEM_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
