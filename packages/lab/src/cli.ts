// `kpx lab`: a cluster in network namespaces, every mode through `kpx run`, one comparison.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from './progress.ts';
import { formatReportTable } from './report-table.ts';
import { runLab, type LabSettings } from './run-lab.ts';
import { realExec } from '@kpx/agent/sys/exec.ts';
import { EXIT } from '@kpx/agent/exit-codes.ts';
import type { CommandIO } from '@kpx/agent/cli/command-table.ts';

const USAGE = `usage: kpx lab [--modes iptables,nftables,userspace,ipvs] [--duration S] [--services N] [--streams N] [--keep] [--out DIR] [--json]

Builds a small cluster out of network namespaces (two nodes joined by a routed link, two pods
on each node's bridge, a client outside the cluster), starts the embedded API server with a
demo workload (ClusterIP TCP/UDP, NodePort, LoadBalancer, externalTrafficPolicy Local, session
affinity) plus --services synthetic services, measures a direct pod-to-pod baseline, then runs
\`kpx run --netns NODE\` on every node in each mode and drives the same traffic through it.
Prints a comparison table; writes report.json and report.html into --out. Needs root.

  --modes LIST     modes in order (default iptables,nftables,userspace,ipvs). Where the host kernel has
                   no IPVS, the ipvs leg runs inside the kernel VM (Debian's kernel under qemu,
                   emulated CPU) beside its own direct baseline, or is skipped saying why
  --duration S     seconds per measured figure (default 2)
  --services N     synthetic one-endpoint services added to the workload (default 100)
  --streams N      parallel TCP streams for the multi-stream figure (default 4)
  --keep           leave the lab up after measuring (the last mode running) until Ctrl-C
  --out DIR        report folder (default ./kpx-lab-report)
  --json           print report.json on stdout instead of the table, and write no report
                   folder (progress stays on stderr)

Ctrl-C tears everything down. Every address lives inside the lab's namespaces.`;

const KNOWN_MODES = ['iptables', 'nftables', 'userspace', 'ipvs'];

function parseSettings(argv: readonly string[]): { settings: LabSettings; out: string; json: boolean } | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        modes: { type: 'string', default: KNOWN_MODES.join(',') },
        duration: { type: 'string', default: '2' },
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
  const modes = values.modes.split(',').map((mode) => mode.trim()).filter((mode) => mode !== '');
  const unknown = modes.filter((mode) => !KNOWN_MODES.includes(mode));
  if (modes.length === 0 || unknown.length > 0) return `--modes: unknown mode(s) ${unknown.join(', ') || '(none given)'}; known: ${KNOWN_MODES.join(', ')}`;
  const measureSeconds = Number(values.duration);
  if (!Number.isFinite(measureSeconds) || measureSeconds < 0.2 || measureSeconds > 60) return '--duration: seconds between 0.2 and 60';
  const syntheticServices = Number(values.services);
  if (!Number.isInteger(syntheticServices) || syntheticServices < 0 || syntheticServices > 30_000) return '--services: an integer from 0 to 30000';
  const streams = Number(values.streams);
  if (!Number.isInteger(streams) || streams < 1 || streams > 32) return '--streams: an integer from 1 to 32';
  return { settings: { modes: [...new Set(modes)], measureSeconds, syntheticServices, streams, keep: values.keep }, out: values.out, json: values.json };
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
      await writeFile(join(out, 'report.html'), renderReportHtml(run.report, table));
      progress.done();
      io.stdout.write(`\n${table}\nreport: ${join(out, 'report.json')}, ${join(out, 'report.html')}\n`);
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
