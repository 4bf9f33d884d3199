// The iproute2 steps a namespace cluster is wired from (the lab's, and the e2e tests'
// topology): veth pairs created directly between two namespaces (never in the root one),
// bridges, addresses, and removing a namespace with whatever still runs inside it.
import { execOk, type Exec } from '@kpx/agent/sys/exec.ts';
import { randomBytes } from 'node:crypto';
import { addNetns, deleteNetns } from '@kpx/agent/sys/netns.ts';

export const ip = (exec: Exec, ...args: string[]): Promise<unknown> => execOk(exec, { file: 'ip', args });

/** A veth pair with one end in each namespace; it never exists in the root namespace. */
export async function addVethPair(exec: Exec, nsA: string, ifA: string, nsB: string, ifB: string): Promise<void> {
  await ip(exec, '-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
}

export async function addBridge(exec: Exec, netns: string, name: string, address?: string): Promise<void> {
  await ip(exec, '-n', netns, 'link', 'add', name, 'type', 'bridge');
  if (address !== undefined) await ip(exec, '-n', netns, 'addr', 'add', address, 'dev', name);
  await ip(exec, '-n', netns, 'link', 'set', name, 'up');
}

export async function enslave(exec: Exec, netns: string, port: string, bridge: string, hairpin = false): Promise<void> {
  await ip(exec, '-n', netns, 'link', 'set', port, 'master', bridge, 'up');
  // kubenet's hairpin-veth: a pod reaching itself through a service comes back out its own port.
  if (hairpin) await ip(exec, '-n', netns, 'link', 'set', port, 'type', 'bridge_slave', 'hairpin', 'on');
}

export async function configureInterface(exec: Exec, netns: string, device: string, address: string, gateway?: string): Promise<void> {
  await ip(exec, '-n', netns, 'addr', 'add', address, 'dev', device);
  await ip(exec, '-n', netns, 'link', 'set', device, 'up');
  if (gateway !== undefined) await ip(exec, '-n', netns, 'route', 'add', 'default', 'via', gateway);
}

/** Kills every process inside `netns` (only ever namespaces the caller created) and deletes it. */
export async function destroyNamespace(exec: Exec, netns: string): Promise<void> {
  const pids = await exec({ file: 'ip', args: ['netns', 'pids', netns] });
  for (const pid of pids.stdout
    .split('\n')
    .map(Number)
    .filter((value) => Number.isInteger(value) && value > 1)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await deleteNetns(exec, netns);
}

/** Runs `probe` with a fresh empty namespace `PREFIX-probe-XXXXXX`, removed afterwards (what a kernel supports, asked without touching the host's own). */
export async function withProbeNamespace<T>(exec: Exec, prefix: string, probe: (netns: string) => Promise<T>): Promise<T> {
  const netns = `${prefix}-probe-${randomBytes(3).toString('hex')}`;
  await addNetns(exec, netns);
  try {
    return await probe(netns);
  } finally {
    await deleteNetns(exec, netns);
  }
}
