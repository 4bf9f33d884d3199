// kube-proxy exits when its --config file changes on disk, so that the kubelet restarts it
// with the new ConfigMap. ConfigMap volumes swap a symlink (..data), which fs.watch on the
// file may or may not report, so the content is also compared on a slow poll; an event that
// leaves the content as it was (an editor's touch) is not a change.
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ConfigFileWatch {
  stop(): void;
}

async function digest(file: string): Promise<string> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch (error) {
    return `unreadable: ${(error as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** Calls `onChange` once, when `file`'s content differs from what it was at start. */
export async function watchConfigFile(file: string, onChange: (reason: string) => void, pollMs = 1_000): Promise<ConfigFileWatch> {
  const initial = await digest(file);
  let done = false;
  let checking = false;
  const check = async (): Promise<void> => {
    if (done || checking) return;
    checking = true;
    const now = await digest(file);
    checking = false;
    if (done || now === initial) return;
    done = true;
    stop();
    onChange(now.startsWith('unreadable') ? 'the configuration file went away' : 'the configuration file changed');
  };
  const watchers: FSWatcher[] = [];
  // The directory too: a rename or symlink swap replaces the inode the file watch was on.
  for (const target of [file, path.dirname(file)]) {
    try {
      const watcher = watch(target, { persistent: false }, () => void check());
      watcher.on('error', () => undefined);
      watchers.push(watcher);
    } catch {
      // The poll below still notices.
    }
  }
  const poll = setInterval(() => void check(), pollMs);
  poll.unref();
  const stop = (): void => {
    done = true;
    clearInterval(poll);
    for (const watcher of watchers) watcher.close();
  };
  return { stop };
}
