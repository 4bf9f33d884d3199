// Network namespaces through iproute2: an Exec that runs every command inside a named
// namespace (`ip netns exec NAME file args…`), and the few namespace operations the
// e2e topology and `kpx lab` need. Argv only, never a shell.
import { KpxError } from '../errors.ts';
import { execOk, type Exec } from './exec.ts';

const IP = 'ip';
// iproute2 keeps namespaces as files under /run/netns: a plain file name, and never
// something `ip` could read as an option.
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function assertNetnsName(name: string): void {
  if (!NETNS_NAME.test(name) || name === '.' || name === '..') {
    throw new KpxError('KPX_ERR_CONFIG', `invalid network namespace name ${JSON.stringify(name)}`, { context: { name } });
  }
}

/** An Exec that runs each command inside network namespace `name` (and its /sys). */
export function execInNetns(exec: Exec, name: string): Exec {
  assertNetnsName(name);
  return (request) => exec({ ...request, file: IP, args: ['netns', 'exec', name, request.file, ...request.args] });
}

export async function listNetns(exec: Exec): Promise<string[]> {
  const result = await execOk(exec, { file: IP, args: ['netns', 'list'] });
  // Lines look like `name` or `name (id: 3)`.
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

export async function addNetns(exec: Exec, name: string): Promise<void> {
  assertNetnsName(name);
  await execOk(exec, { file: IP, args: ['netns', 'add', name] });
}

/** Deletes a namespace; a namespace that is already gone is not an error. */
export async function deleteNetns(exec: Exec, name: string): Promise<void> {
  assertNetnsName(name);
  const result = await exec({ file: IP, args: ['netns', 'delete', name] });
  if (result.exitCode !== 0 && !/No such file or directory/.test(result.stderr)) {
    throw new KpxError('KPX_ERR_EXEC', `could not delete network namespace ${name}`, {
      context: { name, stderr: result.stderr.slice(0, 2000) },
    });
  }
}
