// One trace, top-down: pick the tracer for what the node namespace has programmed, arm it and
// a conntrack event watch, send the probe, collect, and remove every temporary rule in a
// `finally` (and on SIGINT/SIGTERM, through the `onCleanup` hook the command installs).
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_INTERFACE } from '../modes/userspace/service-interface.ts';
import type { Exec } from '../sys/exec.ts';
import { execInNetns } from '../sys/netns.ts';
import { collectHops } from './collect-hops.ts';
import { DATAPLANE_LABELS, detectDataplane, type Dataplane } from './detect-dataplane.ts';
import { legacyCounters } from './legacy-counters.ts';
import { startMonitor, type Monitor } from './monitor.ts';
import { nftTracer } from './nft-tracer.ts';
import { parseConntrackOutput, type ConntrackEntry } from './parse-conntrack.ts';
import { sendProbe } from './probe.ts';
import { TRACE_SETTLE_MS, type RuleTracer } from './rule-tracer.ts';
import type { Flow, Trace } from './trace-types.ts';
import { xtablesTracer } from './xtables-tracer.ts';

export interface TraceRequest {
  readonly flow: Flow;
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly sourceNetns: string;
  readonly nodeNetns: string;
  /** Registers the cleanup a signal handler must run; called once, before anything is added. */
  readonly onCleanup: (cleanup: () => Promise<boolean>) => void;
}

const USERSPACE_NOTE = `the connection went to kpx's own socket on the service address (on ${SERVICE_INTERFACE}); kpx proxies it to an endpoint in userspace, with no rules to trace`;

function tracerFor(dataplane: Dataplane, exec: Exec, request: TraceRequest): RuleTracer {
  const { flow, nodeNetns } = request;
  if (dataplane === 'nftables') return nftTracer(exec, nodeNetns, flow);
  if (dataplane === 'iptables-nft') return xtablesTracer(exec, nodeNetns, flow);
  if (dataplane === 'iptables-legacy') return legacyCounters(exec, flow);
  const note = dataplane === 'userspace' ? USERSPACE_NOTE : 'no kpx rules or userspace listener are programmed for this destination in the node namespace';
  return {
    source: { kind: dataplane === 'userspace' ? 'userspace' : 'none', note },
    arm: () => Promise.resolve(),
    collect: () => Promise.resolve([]),
    remove: () => Promise.resolve(true),
  };
}

function conntrackFilter(flow: Flow): string[] {
  const family = flow.destination.includes(':') ? ['-f', 'ipv6'] : [];
  return ['-p', flow.protocol, '-s', flow.source, '--dport', String(flow.port), ...family];
}

/** The probe's entries: the listed one matching its source port, else the events seen (a refused flow's entry is gone at once). */
async function readConntrack(exec: Exec, flow: Flow, localPort: number | undefined, events: string): Promise<ConntrackEntry[]> {
  const mine = (entry: ConntrackEntry): boolean => entry.original.dst === flow.destination && (localPort === undefined || entry.original.sport === localPort);
  if (localPort !== undefined) {
    const listed = await exec({ file: 'conntrack', args: ['-L', ...conntrackFilter(flow), '--sport', String(localPort), '-o', 'extended'] }).catch(
      () => undefined,
    );
    const entries = parseConntrackOutput(listed?.stdout ?? '').filter(mine);
    if (entries.length > 0) return entries;
  }
  return parseConntrackOutput(events)
    .filter(mine)
    .filter((entry) => entry.event === 'NEW')
    .slice(0, 1);
}

export async function runTrace(exec: Exec, request: TraceRequest): Promise<Trace> {
  const { flow } = request;
  const nodeExec = request.nodeNetns === '' ? exec : execInNetns(exec, request.nodeNetns);
  const dataplane = await detectDataplane(nodeExec, flow);
  const tracer = tracerFor(dataplane, nodeExec, request);
  let events: Monitor | undefined;
  let cleanedUp = false;
  const cleanup = async (): Promise<boolean> => {
    await events?.stop();
    events = undefined;
    return (cleanedUp = await tracer.remove());
  };
  request.onCleanup(cleanup);
  try {
    await tracer.arm();
    events = await startMonitor(request.nodeNetns, 'conntrack', ['-E', ...conntrackFilter(flow), '-o', 'extended']).catch(() => undefined);
    const probe = await sendProbe(request.sourceNetns, flow, exec);
    await sleep(TRACE_SETTLE_MS);
    const rules = await tracer.collect();
    const eventText = (await events?.stop()) ?? '';
    events = undefined;
    const conntrack = await readConntrack(nodeExec, flow, probe.localPort, eventText);
    const natDestination = conntrack[0]?.dnatTo?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const hops = await collectHops(exec, {
      ...request,
      source: flow.source,
      destination: flow.destination,
      natDestination,
      skipInterfaces: new Set([SERVICE_INTERFACE]),
    });
    await cleanup();
    const { fromLabel, toLabel, sourceNetns, nodeNetns } = request;
    return {
      flow,
      fromLabel,
      toLabel,
      sourceNetns,
      nodeNetns,
      dataplane: DATAPLANE_LABELS[dataplane],
      hops,
      ruleSource: tracer.source,
      rules,
      conntrack,
      probe,
      cleanedUp,
    };
  } finally {
    if (!cleanedUp) await cleanup();
  }
}
