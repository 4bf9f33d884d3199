// Steering: service IPs (cluster, external, load-balancer) become local addresses of a
// kpx-owned interface, `kpx-svc0`, kept down as IPVS mode keeps kube-ipvs0: the kernel adds a
// `local` route per address whatever the link state, so traffic to a service IP from pods, from
// the node itself and (routed to the node) from outside is delivered to kpx's listeners, and a
// port nothing listens on is refused by the kernel (RST / ICMP port unreachable) at once. A
// dummy interface when the kernel has the module, else an empty bridge (same effect). Cleanup
// is deleting the interface. Addresses change in one `ip -batch` call per sync.
import { KpxError } from '../../errors.ts';
import { execOk, type Exec } from '../../sys/exec.ts';

export const SERVICE_INTERFACE = 'kpx-svc0';

export interface ServiceInterface {
  /** Creates the interface unless it exists; returns the kind used. */
  ensure(): Promise<'dummy' | 'bridge' | 'existing'>;
  /** The addresses the interface holds now. */
  list(): Promise<Set<string>>;
  /** Adds `add` and removes `remove`, in one batch. */
  change(add: readonly string[], remove: readonly string[]): Promise<void>;
  remove(): Promise<boolean>;
}

const hostPrefix = (address: string): string => (address.includes(':') ? `${address}/128` : `${address}/32`);

export function serviceInterface(exec: Exec, name: string = SERVICE_INTERFACE): ServiceInterface {
  const exists = async (): Promise<boolean> => (await exec({ file: 'ip', args: ['link', 'show', 'dev', name] })).exitCode === 0;
  return {
    async ensure() {
      if (await exists()) return 'existing';
      const dummy = await exec({ file: 'ip', args: ['link', 'add', name, 'type', 'dummy'] });
      if (dummy.exitCode === 0) return 'dummy';
      await execOk(exec, { file: 'ip', args: ['link', 'add', name, 'type', 'bridge'] });
      return 'bridge';
    },
    async list() {
      const result = await execOk(exec, { file: 'ip', args: ['-o', 'addr', 'show', 'dev', name] });
      const addresses = new Set<string>();
      for (const match of result.stdout.matchAll(/\binet6? ([0-9a-fA-F.:]+)\/\d+/g)) if (match[1] !== undefined) addresses.add(match[1]);
      return addresses;
    },
    async change(add, remove) {
      if (add.length === 0 && remove.length === 0) return;
      // nodad: an IPv6 service address must be usable at once, on a link that is down.
      const lines = [
        ...add.map((address) => `addr replace ${hostPrefix(address)} dev ${name}${address.includes(':') ? ' nodad' : ''}`),
        ...remove.map((address) => `addr del ${hostPrefix(address)} dev ${name}`),
      ];
      const result = await exec({ file: 'ip', args: ['-force', '-batch', '-'], stdin: `${lines.join('\n')}\n` });
      if (result.exitCode !== 0) {
        throw new KpxError('KPX_ERR_EXEC', 'could not change service addresses', {
          context: { interface: name, added: add.length, removed: remove.length, stderr: result.stderr.slice(0, 2000) },
        });
      }
    },
    async remove() {
      if (!(await exists())) return false;
      await execOk(exec, { file: 'ip', args: ['link', 'del', name] });
      return true;
    },
  };
}
