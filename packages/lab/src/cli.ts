// `kpx lab`: a cluster in network namespaces, every mode through `kpx run`, one comparison.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LAB_NETWORKS, type LabNetwork } from './pod-network.ts';
import { createProgress } from './progress.ts';
import { formatSamplesCsv } from './report-csv.ts';
import { formatReportTable } from './report-table.ts';
import { runLab, type LabSettings } from './run-lab.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { EXIT } from '@kpx/agent/exit-codes.ts';
import type { CommandIO } from '@kpx/agent/cli/command-table.ts';

const USAGE = `usage: kpx lab [--network routed,vxlan,ipip] [--modes iptables,nftables,userspace,ipvs] [--duration S]
               [--repeat N] [--services N] [--streams N] [--keep] [--out DIR] [--json]

Builds a small cluster out of network namespaces (two nodes, two pods on each node's bridge, a
client outside the cluster) over each pod network asked for, starts the embedded API server with
a demo workload (ClusterIP TCP/UDP, NodePort, LoadBalancer, externalTrafficPolicy Local, session
affinity) plus --services synthetic services, measures a direct pod-to-pod baseline, then runs
\`kpx run --netns NODE\` on every node in each mode and drives the same traffic through the
service VIP: iperf3 TCP (1 and N streams, retransmits) and UDP at -b 0 (rate, jitter, loss), wrk
against nginx (requests/s and latency, keep-alive and Connection: close), with the machine's CPU
(user, system, softirq) and the kpx daemons' CPU and memory during each. Prints a network × mode
table; writes report.json, samples.csv and report.html into --out. Needs root, iperf3, wrk, nginx.

  --network LIST   pod networks (default routed,vxlan): routed (per-node routes, kubenet/host-gw),
                   vxlan (flannel's backend: VNI 1, UDP 8472, FDB/neighbour entries from the Node
                   annotations, pod MTU 1450), ipip (Calico's tunl0; skipped where the kernel has
                   no ipip, saying why). Each network is a cluster of its own: about 45 s here with
                   the default modes and duration
  --modes LIST     modes in order (default iptables,nftables,userspace: about 12 s each per
                   network here). ipvs needs the kernel's IPVS: where the host has none, its leg
                   runs inside the kernel VM (Debian's kernel under qemu, emulated CPU; 3-5 min,
                   over 10 the first time) beside its own direct baseline, or is skipped saying why
  --duration S     whole seconds per measured figure (default 1; each leg has 5 figures)
  --repeat N       measure every figure N times: the table gives the mean, report.json the spread
                   (default 1; the figures' time grows N-fold)
  --services N     synthetic one-endpoint services added to the workload (default 100)
  --streams N      parallel TCP streams for the multi-stream figure (default 4)
  --keep           leave the lab up after measuring (the last network, its last mode running) until Ctrl-C
  --out DIR        report folder (default ./kpx-lab-report)
  --json           print report.json on stdout instead of the table, and write no report
                   folder (progress stays on stderr)

A figure that could not be measured is "—" (null in report.json, a gap in a chart), with the
reason in the leg's gaps. Ctrl-C tears everything down. Every address lives inside the lab's
namespaces.`;

const KNOWN_MODES = ['iptables', 'nftables', 'userspace', 'ipvs'];
const DEFAULT_MODES = ['iptables', 'nftables', 'userspace'];
const DEFAULT_NETWORKS: readonly LabNetwork[] = ['routed', 'vxlan'];

function parseList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
  ];
}

function parseSettings(argv: readonly string[]): { settings: LabSettings; out: string; json: boolean } | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        network: { type: 'string', default: DEFAULT_NETWORKS.join(',') },
        modes: { type: 'string', default: DEFAULT_MODES.join(',') },
        duration: { type: 'string', default: '1' },
        repeat: { type: 'string', default: '1' },
        services: { type: 'string', default: '100' },
        streams: { type: 'string', default: '4' },
        keep: { type: 'boolean', default: false },
        out: { type: 'string', default: 'kpx-lab-report' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return (error as Error).message;
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const networks = parseList(values.network);
  const unknownNetworks = networks.filter((network) => !(LAB_NETWORKS as readonly string[]).includes(network));
  if (networks.length === 0 || unknownNetworks.length > 0)
    return `--network: unknown network(s) ${unknownNetworks.join(', ') || '(none given)'}; known: ${LAB_NETWORKS.join(', ')}`;
  const modes = parseList(values.modes);
  const unknown = modes.filter((mode) => !KNOWN_MODES.includes(mode));
  if (modes.length === 0 || unknown.length > 0) return `--modes: unknown mode(s) ${unknown.join(', ') || '(none given)'}; known: ${KNOWN_MODES.join(', ')}`;
  const measureSeconds = Number(values.duration);
  // Whole seconds: iperf3's -t takes no fraction.
  if (!Number.isInteger(measureSeconds) || measureSeconds < 1 || measureSeconds > 60) return '--duration: whole seconds from 1 to 60';
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) return '--repeat: an integer from 1 to 20';
  const syntheticServices = Number(values.services);
  if (!Number.isInteger(syntheticServices) || syntheticServices < 0 || syntheticServices > 30_000) return '--services: an integer from 0 to 30000';
  const streams = Number(values.streams);
  if (!Number.isInteger(streams) || streams < 1 || streams > 32) return '--streams: an integer from 1 to 32';
  return {
    settings: { networks: networks as LabNetwork[], modes, measureSeconds, repeat, syntheticServices, streams, keep: values.keep },
    out: values.out,
    json: values.json,
  };
}

export async function runLabCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseSettings(argv);
  if (parsed === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`kpx lab: ${parsed}\n${USAGE}\n`);
    return EXIT.badArguments;
  }
  if (process.getuid?.() !== 0) {
    io.stderr.write('kpx lab: needs root (it creates network namespaces and programs them)\n');
    return EXIT.runtimeFailure;
  }
  // A closed terminal or pipe must not crash the lab before it has torn itself down.
  const ignore = (): void => undefined;
  io.stdout.on('error', ignore);
  io.stderr.on('error', ignore);
  const progress = createProgress(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) return;
    progress.step('interrupted: tearing the lab down');
    controller.abort();
  };
  // `on`, not `once`: execa's signal-exit re-raises a signal that no other listener holds.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const run = await runLab(realExec, parsed.settings, progress, controller.signal);
    if (parsed.json) {
      progress.done();
      io.stdout.write(`${JSON.stringify(run.report)}\n`);
    } else {
      const table = formatReportTable(run.report);
      const out = resolve(parsed.out);
      // Loaded here: the charting library alone is a quarter of a second to load (seconds in the kernel VM).
      const { renderReportHtml } = await import('./report-html.ts');
      await mkdir(out, { recursive: true });
      await writeFile(join(out, 'report.json'), `${JSON.stringify(run.report, null, 2)}\n`);
      await writeFile(join(out, 'samples.csv'), formatSamplesCsv(run.report.samples));
      await writeFile(join(out, 'report.html'), renderReportHtml(run.report, table));
      progress.done();
      io.stdout.write(`\n${table}\nreport: ${join(out, 'report.json')}, ${join(out, 'samples.csv')}, ${join(out, 'report.html')}\n`);
    }
    if (run.kept !== undefined) {
      const { topology, apiUrl, mode } = run.kept;
      io.stdout.write(
        [
          '',
          `The lab is up (kpx run --proxy-mode ${mode} on both nodes). Ctrl-C tears it down.`,
          `  namespaces: ${topology.namespaces.join(' ')}`,
          `  enter a pod:     ip netns exec ${topology.pods[0]?.netns ?? ''} bash`,
          `  kubectl:         kubectl --server ${apiUrl} get svc,endpointslices -A`,
          `  explain:         npx kpx explain service demo/web --master ${apiUrl} --netns ${topology.nodes[0].netns} --hostname-override ${topology.nodes[0].name} --mode ${mode} --client ${topology.pods[0]?.ip ?? ''}`,
          `  trace:           npx kpx trace --from ${topology.pods[0]?.ip ?? ''} --to demo/web:80 --master ${apiUrl} --netns ${topology.nodes[0].netns}`,
          'lab is up',
          '',
        ].join('\n'),
      );
      await new Promise<void>((resolveWait) => controller.signal.addEventListener('abort', () => resolveWait(), { once: true }));
      await run.kept.stop();
    }
    const failed = run.report.legs.some((leg) => leg.status === 'failed');
    return failed ? EXIT.runtimeFailure : EXIT.ok;
  } catch (error) {
    progress.done();
    if (controller.signal.aborted) io.stderr.write('kpx lab: interrupted; the lab is torn down\n');
    else io.stderr.write(`kpx lab: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runtimeFailure;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
