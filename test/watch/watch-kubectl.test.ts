// What a real client writes reaches the watch layer exactly: kubectl applies and deletes
// against the embedded API server, and each snapshot matches `kubectl get -o json`.
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawObject } from '@kpx/agent/model/inputs.ts';
import { byKey, contentOf, startHarness, type Harness } from './harness.ts';
import { makeClusterIPService, makeReadySlice } from '../helpers/k8s-builders.ts';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function kubectl(server: string, args: readonly string[], stdin?: string): Promise<string> {
  const result = await execa('kubectl', ['--server', server, ...args], { input: stdin ?? '', reject: false, timeout: 30_000 });
  if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function kubectlItems(server: string, resource: string): Promise<Record<string, RawObject>> {
  const list = JSON.parse(await kubectl(server, ['get', resource, '-A', '-o', 'json'])) as { items: RawObject[] };
  return byKey(list.items);
}

describe('watch layer with kubectl as the writer', () => {
  it('sees kubectl apply and delete exactly as kubectl reads them back', async () => {
    harness = await startHarness();
    const h = harness;
    await h.waitForSnapshot(() => true);
    const from = h.snapshots.length;
    const manifest = [makeClusterIPService('ns', 'web'), makeReadySlice('ns', 'web-1', 'web', { addresses: ['10.244.0.5', '10.244.0.6'] })]
      .map((o) => JSON.stringify(o))
      .join('\n');
    await kubectl(h.server.url, ['create', 'namespace', 'ns']).catch(() => '');
    await kubectl(h.server.url, ['apply', '-f', '-'], manifest);

    const applied = await h.waitForSnapshot((s) => s.services.length === 1 && s.endpointSlices.length === 1, { from });
    expect(contentOf(applied).services).toEqual(await kubectlItems(h.server.url, 'services'));
    expect(contentOf(applied).endpointSlices).toEqual(await kubectlItems(h.server.url, 'endpointslices.discovery.k8s.io'));

    await kubectl(h.server.url, ['delete', 'service', 'web', '-n', 'ns']);
    const deleted = await h.waitForSnapshot((s) => s.services.length === 0, { from: h.snapshots.indexOf(applied) + 1 });
    expect([...deleted.pendingSince.keys()]).toEqual(['ns/web']);
    expect(contentOf(deleted).endpointSlices).toEqual(await kubectlItems(h.server.url, 'endpointslices.discovery.k8s.io'));
  });
});
