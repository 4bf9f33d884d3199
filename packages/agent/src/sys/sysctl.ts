// Kernel parameters (/proc/sys). Two ways in: the file system of the calling process's
// own network namespace, or the `sysctl` tool through an Exec, which is how a setting
// reaches another namespace (`ip netns exec NAME sysctl …`). Keys use the dotted form
// (`net.ipv4.conf.all.route_localnet`).
import { readFile, writeFile } from 'node:fs/promises';
import { KpxError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Exec } from './exec.ts';

export interface Sysctl {
  /** The current value, trimmed; undefined when the key does not exist (e.g. module not loaded). */
  read(key: string): Promise<string | undefined>;
  write(key: string, value: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;
const VALUE = /^[A-Za-z0-9_. -]{0,64}$/;

function assertKey(key: string): void {
  if (!KEY.test(key)) throw new KpxError('KPX_ERR_CONFIG', `invalid sysctl key ${JSON.stringify(key)}`, { context: { key } });
}

function assertValue(key: string, value: string): void {
  if (!VALUE.test(value)) {
    throw new KpxError('KPX_ERR_CONFIG', `invalid value for sysctl ${key}`, { context: { key, value } });
  }
}

/** Reads and writes /proc/sys directly: this process's own namespaces. */
export function procSysctl(root = '/proc/sys'): Sysctl {
  const pathOf = (key: string): string => `${root}/${key.replaceAll('.', '/')}`;
  return {
    async read(key) {
      assertKey(key);
      try {
        return (await readFile(pathOf(key), 'utf8')).trim();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new KpxError('KPX_ERR_EXEC', `could not read sysctl ${key}`, { cause: error, context: { key } });
      }
    },
    async write(key, value) {
      assertKey(key);
      assertValue(key, value);
      try {
        await writeFile(pathOf(key), `${value}\n`);
      } catch (error) {
        throw new KpxError('KPX_ERR_EXEC', `could not set sysctl ${key}`, { cause: error, context: { key, value } });
      }
    },
  };
}

/** Uses the `sysctl` tool through `exec` (e.g. one from execInNetns). */
export function execSysctl(exec: Exec): Sysctl {
  return {
    async read(key) {
      assertKey(key);
      const result = await exec({ file: 'sysctl', args: ['-n', key] });
      if (result.exitCode === 0) return result.stdout.trim();
      if (/cannot stat|No such file or directory/.test(result.stderr)) return undefined;
      throw new KpxError('KPX_ERR_EXEC', `could not read sysctl ${key}`, { context: { key, stderr: result.stderr.slice(0, 2000) } });
    },
    async write(key, value) {
      assertKey(key);
      assertValue(key, value);
      const result = await exec({ file: 'sysctl', args: ['-q', '-w', `${key}=${value}`] });
      if (result.exitCode !== 0) {
        throw new KpxError('KPX_ERR_EXEC', `could not set sysctl ${key}`, {
          context: { key, value, stderr: result.stderr.slice(0, 2000) },
        });
      }
    },
  };
}

/**
 * Sets `key` to `value` unless it already holds it (upstream's proxyutil.EnsureSysctl),
 * logging what it found and what it did. Returns whether it wrote.
 */
export async function ensureSysctl(sysctl: Sysctl, key: string, value: string, log: Logger): Promise<boolean> {
  const current = await sysctl.read(key);
  if (current === value) {
    log.debug({ sysctl: key, value }, 'sysctl already set');
    return false;
  }
  await sysctl.write(key, value);
  log.info({ sysctl: key, previous: current ?? null, value }, 'sysctl set');
  return true;
}
