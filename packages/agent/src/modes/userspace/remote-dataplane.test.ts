import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isKpxError, KpxError } from '../../errors.ts';
import { silentLogger } from '../../log.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import type { UserspacePlan } from './plan-types.ts';
import { planUserspace } from './plan.ts';
import { openRemoteUserspaceDataplane } from './remote-dataplane.ts';

// A stand-in agent speaking the protocol: it echoes what it received (with the order it
// received it in), answers setup late (so replies arrive out of order), fails cleanup with a
// KpxError body, dies on observe('die'), and with argv 'stubborn' ignores stdin's end and SIGTERM.
const FAKE_AGENT = `
const stubborn = process.argv[1] === 'stubborn';
let seq = 0;
let buffered = '';
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\\n')) !== -1) {
    const request = JSON.parse(buffered.slice(0, newline));
    buffered = buffered.slice(newline + 1);
    const received = ++seq;
    if (request.method === 'observe' && request.servicePortName === 'die') {
      process.stderr.write('fatal: simulated crash\\n');
      process.exit(3);
    }
    if (request.method === 'cleanup') {
      reply({ id: request.id, ok: false, error: { code: 'KPX_ERR_RESTORE', message: 'cleanup refused', context: { table: 'nat' } } });
      continue;
    }
    const result = { method: request.method, received, plan: request.plan, servicePortName: request.servicePortName };
    setTimeout(() => reply({ id: request.id, ok: true, result }), request.method === 'setup' ? 80 : 0);
  }
});
if (stubborn) {
  process.on('SIGTERM', () => {});
  setInterval(() => {}, 1000);
} else {
  process.stdin.on('end', () => process.exit(0));
}
`;

const children: ChildProcess[] = [];

function fakeAgent(...args: string[]): () => ChildProcess {
  return () => {
    const child = spawn(process.execPath, ['-e', FAKE_AGENT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function samplePlan(): UserspacePlan {
  return planUserspace(
    makeState([
      makeServicePort('ns1', 'web', 'http', (sp) => {
        sp.clusterIP = '10.96.0.10';
        sp.nodePort = 30080;
        sp.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 10800 };
        sp.endpoints.push(
          makeEndpoint('10.244.1.2', 8080, (e) => (e.isLocal = true)),
          makeEndpoint('10.244.2.3', 8080),
        );
      }),
      makeServicePort('ns1', 'dns', 'udp', (sp) => {
        sp.clusterIP = '10.96.0.53';
        sp.protocol = 'UDP';
        sp.port = 53;
        sp.endpoints.push(makeEndpoint('10.244.2.5', 53));
      }),
    ]),
  );
}

type Echo = { method: string; received: number; plan?: unknown; servicePortName?: string };

describe('openRemoteUserspaceDataplane', () => {
  it('a plan survives the JSON round trip unchanged (no Maps, Sets or class instances)', () => {
    const plan = samplePlan();
    expect(plan.listeners.length).toBeGreaterThan(1);
    expect(JSON.parse(JSON.stringify(plan))).toStrictEqual(plan);
  });

  it('forwards calls in call order and matches replies that arrive out of order', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent() });
    const plan = samplePlan();
    const setup = dataplane.setup();
    const apply = dataplane.apply(plan) as unknown as Promise<Echo>;
    const observe = dataplane.observe('ns1/web:http') as unknown as Promise<Echo>;
    const [applied, observed] = await Promise.all([apply, observe]);
    await setup;
    expect(applied.method).toBe('apply');
    expect(applied.received).toBe(2);
    expect(applied.plan).toStrictEqual(plan);
    expect(observed).toMatchObject({ method: 'observe', received: 3, servicePortName: 'ns1/web:http' });
    await dataplane.close();
  });

  it('turns an error reply into a KpxError with its code, message and context', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent() });
    const failure = await dataplane.cleanup().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(KpxError);
    expect(failure).toMatchObject({ code: 'KPX_ERR_RESTORE', message: 'cleanup refused', context: { table: 'nat', method: 'cleanup' } });
    // The agent still serves later calls.
    expect(await dataplane.observe()).toMatchObject({ method: 'observe' });
    await dataplane.close();
  });

  it('fails every pending call when the agent dies, with its stderr, and calls made before it is restarted', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent() });
    const setup = dataplane.setup().then(
      () => undefined,
      (error: unknown) => error,
    );
    const dying = dataplane.observe('die').then(
      () => undefined,
      (error: unknown) => error,
    );
    const [setupError, dyingError] = await Promise.all([setup, dying]);
    for (const error of [setupError, dyingError]) {
      expect(isKpxError(error, 'KPX_ERR_EXEC')).toBe(true);
      expect((error as KpxError).context).toMatchObject({ code: 3, stderr: expect.stringContaining('simulated crash') });
    }
    await expect(dataplane.apply(samplePlan())).rejects.toMatchObject({ code: 'KPX_ERR_EXEC' });
    await dataplane.close();
  });

  it('restarts an agent that died, gives it the setup and the newest plan again, and serves later calls', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent() });
    await dataplane.setup();
    const plan = samplePlan();
    await dataplane.apply(plan);
    await expect(dataplane.observe('die')).rejects.toMatchObject({ code: 'KPX_ERR_EXEC' });
    // Served by the second agent, which got setup (1) and the plan (2) before this call (3).
    await expect
      .poll(
        () =>
          dataplane.observe().then(
            (echo) => (echo as unknown as Echo).received,
            () => 'dead',
          ),
        { timeout: 5_000 },
      )
      .toBe(3);
    expect(children).toHaveLength(2);
    expect(children[0]?.exitCode).toBe(3);
    await dataplane.close();
    expect(children[1]?.exitCode).toBe(0);
  });

  it('does not restart an agent that close() ended', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent() });
    await dataplane.setup();
    await dataplane.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(children).toHaveLength(1);
  });

  it('close() asks the agent to close, ends its stdin and waits for it to exit', async () => {
    const spawnAgent = fakeAgent();
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent });
    await dataplane.setup();
    await dataplane.close();
    const child = children.at(-1);
    expect(child?.exitCode).toBe(0);
    await expect(dataplane.setup()).rejects.toMatchObject({ code: 'KPX_ERR_EXEC' });
  });

  it('close() kills an agent that does not exit within the timeout', async () => {
    const dataplane = openRemoteUserspaceDataplane({ log: silentLogger(), spawnAgent: fakeAgent('stubborn'), closeTimeoutMs: 200 });
    await dataplane.setup();
    const started = performance.now();
    await dataplane.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(children.at(-1)?.signalCode).toBe('SIGKILL');
  });
});
