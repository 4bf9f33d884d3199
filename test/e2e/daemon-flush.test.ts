// Someone else flushing kpx's rules (a firewall reload, `iptables -t nat -F`, `nft flush
// ruleset`) while `kpx run` carries traffic, on each iptables backend and in the nftables mode:
// a pod's ClusterIP prober (every 200 ms) is back within 2 s, /healthz (every 250 ms) answers
// 503 only between the flush and its repair, the flush is counted once, and the repair is a
// full sync, while a periodic sync is partial. Needs root, iproute2, iptables (legacy and nft)
// and nft.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execOk } from '@kpx/agent/sys/exec.ts';
import type { Exec } from '@kpx/agent/sys/exec.ts';
import { startEchoCluster, WEB_IP, type EchoCluster } from '../helpers/echo-cluster.ts';
import { CLUSTER_CIDR } from '../helpers/topology.ts';
import { freePort } from '../daemon/free-port.ts';
import { parsePrometheusText } from '../daemon/prometheus-text.ts';
import {
  spawnKpxRun,
  startProber,
  waitForSample,
  type DaemonProcess,
  type LogLine,
  type ProbeSample,
  type RunningProber,
} from '../daemon/run-daemon-process.ts';
import { describeNeedingRoot } from '../helpers/needs-root.ts';

const describeAsRoot = describeNeedingRoot();

const isSync = (line: LogLine): boolean => line.msg === 'sync done';
const REPAIR_WITHIN_MS = 2_000;
/** run-traffic-prober.ts gives up on a TCP connection after this long. */
const PROBE_TIMEOUT_MS = 1_000;

interface HealthSample {
  readonly t: number;
  readonly status: number;
}

/** GETs /healthz every 250 ms until stopped. */
function pollHealthz(url: string): { readonly samples: HealthSample[]; stop(): Promise<void> } {
  const samples: HealthSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      const status = await fetch(url).then(
        (response) => response.status,
        () => 0,
      );
      samples.push({ t, status });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 250 - (Date.now() - t))));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

interface FlushCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly stdin?: string;
}

interface Setup {
  readonly label: string;
  readonly args: readonly string[];
  /** Before kpx starts, in the node's namespace. */
  prepare(node: Exec): Promise<void>;
  readonly ready: (line: LogLine) => boolean;
  readonly flushes: readonly [string, FlushCommand][];
  /** What the detection names as lost. */
  readonly lost: string;
}

const iptablesSetup = (backend: 'nft' | 'legacy'): Setup => ({
  label: `iptables-${backend}`,
  args: [],
  // kubelet's hint chain: kpx (as kube-proxy's image) then picks this backend.
  prepare: async (node) => void (await execOk(node, { file: `iptables-${backend}`, args: ['-t', 'mangle', '-N', 'KUBE-IPTABLES-HINT'] })),
  ready: (line) => line.msg === 'iptables backend chosen' && line['backend'] === backend,
  // The second case in one iptables-restore (no --noflush: every chain of both tables
  // flushed and every user chain deleted, one atomic commit per table, as a firewall reload
  // does): separate -F and -X commands would race kpx's repair of the first.
  flushes: [
    ['iptables -t nat -F', { file: `iptables-${backend}`, args: ['-w', '5', '-t', 'nat', '-F'] }],
    ['nat and filter flushed, their chains deleted', { file: `iptables-${backend}-restore`, args: [], stdin: '*nat\nCOMMIT\n*filter\nCOMMIT\n' }],
  ],
  lost: 'nat',
});

const nftablesSetup: Setup = {
  label: 'nftables',
  args: ['--proxy-mode', 'nftables'],
  prepare: async () => undefined,
  ready: (line) => line.msg === 'nftables table ready',
  // Rules gone, chains, sets and elements kept; the table gone; every table of the namespace gone.
  flushes: [
    ['nft flush table ip kube-proxy', { file: 'nft', args: ['flush', 'table', 'ip', 'kube-proxy'] }],
    ['nft delete table ip kube-proxy', { file: 'nft', args: ['delete', 'table', 'ip', 'kube-proxy'] }],
    ['nft flush ruleset', { file: 'nft', args: ['flush', 'ruleset'] }],
  ],
  lost: 'ip kube-proxy',
};

for (const setup of [iptablesSetup('nft'), iptablesSetup('legacy'), nftablesSetup]) {
  describeAsRoot(`kpx run repairing a flush of its rules (${setup.label})`, () => {
    let cluster: EchoCluster;
    let daemon: DaemonProcess;
    let node: Exec;
    let healthz: string;
    let metrics: string;
    let prober: RunningProber;
    let flushes = 0;

    beforeAll(async () => {
      cluster = await startEchoCluster('kpxf');
      node = cluster.topology.execIn(cluster.topology.node.netns);
      await setup.prepare(node);
      const healthzAddress = `127.0.0.1:${await freePort()}`;
      const metricsAddress = `127.0.0.1:${await freePort()}`;
      healthz = `http://${healthzAddress}/healthz`;
      metrics = `http://${metricsAddress}/metrics`;
      daemon = spawnKpxRun([
        '--master',
        cluster.api.url,
        '--hostname-override',
        'node',
        '--netns',
        cluster.topology.node.netns,
        '--cluster-cidr',
        CLUSTER_CIDR,
        '--healthz-bind-address',
        healthzAddress,
        '--metrics-bind-address',
        metricsAddress,
        '--iptables-min-sync-period',
        '100ms',
        '--iptables-sync-period',
        '3s',
        ...setup.args,
      ]);
      await daemon.waitForLog(setup.ready);
      await daemon.waitForLog((line) => isSync(line) && line['full'] === true);
      prober = startProber(cluster.pods.a.netns, ['--proto', 'tcp', '--host', WEB_IP, '--port', '80', '--interval-ms', '200']);
      await waitForSample(prober, 0, (sample) => sample.pod !== undefined, 5_000);
    });

    afterAll(async () => {
      await prober?.stop();
      daemon?.kill('SIGKILL');
      await daemon?.exited;
      await cluster?.api.stop();
      await cluster?.topology.teardown();
    });

    it('keeps the periodic sync (syncPeriod) partial', async () => {
      const periodic = await daemon.waitForLog((line) => isSync(line) && line['trigger'] === 'period', { timeoutMs: 10_000 });
      expect(periodic['full']).toBe(false);
    });

    it.each(setup.flushes)('repairs "%s" within 2 s through a full sync, /healthz 503 only until then', async (_name, flush) => {
      const health = pollHealthz(healthz);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const from = daemon.logs.length;
      const flushedAt = Date.now();
      await execOk(node, { file: flush.file, args: flush.args, ...(flush.stdin === undefined ? {} : { stdin: flush.stdin }) });
      flushes += 1;
      const detected = await daemon.waitForLog((line) => line.msg === 'rules flushed by someone else: running a full sync', { from, timeoutMs: 5_000 });
      const detectedAt = Date.now();
      // The 250 ms poller may miss a short repair (~100 ms on nft): ask once more right away.
      const atDetection = await fetch(healthz).then((response) => response.status);
      const repair = await daemon.waitForLog((line) => isSync(line) && line['fullReason'] === 'flush', { from, timeoutMs: 5_000 });
      const repairedAt = Date.now();
      expect(repair['full']).toBe(true);
      expect(detected['lost']).toContain(setup.lost);
      // Long enough to see several probes started after the 2 s mark, and several health checks after the repair.
      await new Promise((resolve) => setTimeout(resolve, Math.max(repairedAt + 1_500, flushedAt + REPAIR_WITHIN_MS + 1_500) - Date.now()));
      await health.stop();

      // Traffic: every probe started 2 s after the flush or later is answered (a sample is
      // stamped when it ends; a timeout ends 1 s after its connection attempt began).
      const startOf = (sample: ProbeSample): number => sample.t - (sample.error === 'timeout' ? PROBE_TIMEOUT_MS : 0);
      const late = prober.samples.filter((sample) => startOf(sample) >= flushedAt + REPAIR_WITHIN_MS);
      expect(late.length).toBeGreaterThan(3);
      const relative = (sample: ProbeSample): string => `${sample.error ?? sample.pod} ${startOf(sample) - flushedAt}..${sample.t - flushedAt} ms`;
      const logs = daemon.logs
        .slice(from)
        .map((line) => `${line.msg} ${JSON.stringify({ ...line, msg: undefined, err: (line['err'] as { message?: string } | undefined)?.message })}`)
        .join('\n');
      expect(
        late.filter((sample) => sample.pod === undefined).map(relative),
        `repaired after ${repairedAt - flushedAt} ms\n${logs}\nall: ${prober.samples
          .filter((sample) => sample.t >= flushedAt)
          .map(relative)
          .join(', ')}`,
      ).toEqual([]);
      // The figure: the last probe that failed started this long after the flush (a probe that
      // times out holds the prober for 1 s, so the first answer after it can come later).
      const lastFailedStart = Math.max(
        0,
        ...prober.samples.filter((sample) => sample.pod === undefined && sample.t >= flushedAt).map((sample) => startOf(sample) - flushedAt),
      );
      console.info(
        `${setup.label} ${_name}: detected after ${detectedAt - flushedAt} ms, repaired after ${repairedAt - flushedAt} ms, last failing probe started after ${lastFailedStart} ms`,
      );
      // /healthz: 200 before the flush, 503 in between (at least once), 200 again after the repair.
      const before = health.samples.filter((sample) => sample.t < flushedAt);
      const after = health.samples.filter((sample) => sample.t > repairedAt + 100);
      const unhealthy = health.samples.filter((sample) => sample.status !== 200);
      expect(before.length).toBeGreaterThan(0);
      expect(before.every((sample) => sample.status === 200)).toBe(true);
      expect(after.length).toBeGreaterThan(3);
      expect(after.every((sample) => sample.status === 200)).toBe(true);
      expect(atDetection).toBe(503);
      expect(unhealthy.every((sample) => sample.status === 503 && sample.t >= flushedAt && sample.t <= repairedAt)).toBe(true);
      // Detected and counted once: no second report while the repair was under way.
      expect(daemon.logs.slice(from).filter((line) => line.msg === detected.msg)).toHaveLength(1);
      const scraped = parsePrometheusText(await (await fetch(metrics)).text());
      const flushed = scraped.get('kpx_rules_flushed_total')?.samples.find((sample) => sample.labels['ip_family'] === 'IPv4');
      expect(flushed?.value).toBe(flushes);
    });
  });
}
