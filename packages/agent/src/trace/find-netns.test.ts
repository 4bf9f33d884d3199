// findAddressHolder on a host with two test clusters holding the same pod address: the holder
// nearest to the node namespace (through the namespaces its links lead to) wins over the first
// one `ip netns list` names.
import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import type { ExecRequest } from '../sys/exec.ts';
import { findAddressHolder } from './find-netns.ts';

const POD_IP = '10.244.1.10';
const addr = (ifname: string, local: string): string => JSON.stringify([{ ifname, addr_info: [{ local }] }]);

/** Namespace → [its addresses as `ip -j addr` prints them, the names `ip -j netns list-id` prints]. */
const HOST: Record<string, [string, string[]]> = {
  'other-node': [addr('cbr0', '10.244.1.1'), ['other-pod-a']],
  'other-pod-a': [addr('eth0', POD_IP), ['other-node']],
  'mine-sw': [addr('br0', ''), ['mine-node', 'mine-client']],
  'mine-client': [addr('eth0', '10.250.0.100'), ['mine-sw']],
  'mine-node': [addr('cbr0', '10.244.1.1'), ['mine-sw', 'mine-pod-a']],
  'mine-pod-a': [addr('eth0', POD_IP), ['mine-node']],
};

function respond(request: ExecRequest): { stdout: string } | undefined {
  if (request.args.join(' ') === 'netns list') return { stdout: `${Object.keys(HOST).join('\n')}\n` };
  const [netns = '', ...command] = request.args[0] === 'netns' && request.args[1] === 'exec' ? request.args.slice(2) : ['', request.file, ...request.args];
  const [addresses, linked] = HOST[netns] ?? ['[]', []];
  if (command.join(' ') === 'ip -j addr show') return { stdout: addresses };
  if (command.join(' ') === 'ip -j netns list-id') return { stdout: JSON.stringify(linked.map((name, nsid) => ({ nsid, name }))) };
  return undefined;
}

describe('findAddressHolder', () => {
  it('finds the pod linked to the node namespace, not the first namespace holding the address', async () => {
    const { exec } = recordingExec(respond);
    expect(await findAddressHolder(exec, POD_IP, new Set(), 'mine-node')).toEqual({ netns: 'mine-pod-a', interface: 'eth0' });
  });

  it('finds an address two links away (through the switch namespace)', async () => {
    const { exec } = recordingExec(respond);
    expect(await findAddressHolder(exec, '10.250.0.100', new Set(), 'mine-node')).toEqual({ netns: 'mine-client', interface: 'eth0' });
  });

  it('without a node namespace, takes namespaces in `ip netns list` order', async () => {
    const { exec } = recordingExec(respond);
    expect(await findAddressHolder(exec, POD_IP)).toEqual({ netns: 'other-pod-a', interface: 'eth0' });
  });

  it('skips the interfaces it is told to, and answers undefined for an address no namespace holds', async () => {
    const { exec } = recordingExec(respond);
    expect(await findAddressHolder(exec, POD_IP, new Set(['eth0']), 'mine-node')).toBeUndefined();
  });
});
