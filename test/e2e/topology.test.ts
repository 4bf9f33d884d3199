// The namespace topology helper itself: isolation from the host, and clean removal.
import { describe, expect, it } from 'vitest';
import { execOk, realExec } from '@kpx/agent/sys/exec.ts';
import { addNetns, listNetns } from '@kpx/agent/sys/netns.ts';
import { buildTopology, cleanupLeftovers, uniquePrefix } from '../helpers/topology.ts';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('test topology', () => {
  it('has no default route anywhere, answers by pod name, and leaves nothing behind', async () => {
    const topology = await buildTopology();
    try {
      for (const netns of topology.namespaces) {
        const routes = await execOk(topology.execIn(netns), { file: 'ip', args: ['route', 'show', 'default'] });
        const pods = topology.pods.map((pod) => pod.netns);
        // Pods route everything to their node, which has no default route itself.
        if (!pods.includes(netns)) expect(routes.stdout.trim()).toBe('');
      }
      await topology.startEchoServers([9090]);
      const replies = await topology.probe(topology.node.netns, { proto: 'tcp', host: '10.244.2.10', port: 9090 });
      expect(replies[0]?.reply).toBe('pod-c 10.250.0.10');
    } finally {
      await topology.teardown();
    }
    const left = (await listNetns(realExec)).filter((name) => name.startsWith(topology.prefix));
    expect(left).toEqual([]);
  });

  it('removes a crashed run’s namespaces by prefix, and only those', async () => {
    const crashed = uniquePrefix();
    const other = uniquePrefix();
    await addNetns(realExec, `${crashed}-node`);
    await addNetns(realExec, `${crashed}-pod-a`);
    await addNetns(realExec, `${other}-node`);
    try {
      expect((await cleanupLeftovers(crashed)).sort()).toEqual([`${crashed}-node`, `${crashed}-pod-a`]);
      const names = await listNetns(realExec);
      expect(names.filter((name) => name.startsWith(crashed))).toEqual([]);
      expect(names).toContain(`${other}-node`);
    } finally {
      await cleanupLeftovers(other);
    }
  });
});
