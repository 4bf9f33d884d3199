// The userspace dataplane: keeps one proxy listener per planned listener with endpoints, and
// the service addresses local on kpx-svc0. apply() diffs live: a listener whose endpoints
// changed keeps its socket and picks from the new set at once; a listener that lost every
// endpoint (or left the plan) closes, so the kernel refuses new connections while established
// ones drain. Failures to open a socket are collected and thrown after the rest was applied;
// the next sync retries them.
import { KpxError } from '../../errors.ts';
import type { ServicePortName } from '../../model/types.ts';
import type { ApplyReport, Dataplane, DataplaneDeps, Observed } from '../mode.ts';
import type { UserspaceListener, UserspacePlan } from './plan-types.ts';
import type { ProxyDeps, ProxyListener } from './proxy/proxy-listener.ts';
import { openSctpTransport } from './proxy/sctp.ts';
import { openStreamListener, type StreamTransport } from './proxy/tcp.ts';
import { DEFAULT_UDP_IDLE_TIMEOUT_MS, openUdpListener } from './proxy/udp.ts';
import { serviceInterface, type ServiceInterface } from './service-interface.ts';

export interface UserspaceDataplaneOptions {
  /** TCP/SCTP idle timeout; 0 (default) never closes an idle connection, as upstream. */
  readonly tcpIdleTimeoutMs?: number;
  /** kube-proxy's --udp-timeout (default 250ms). */
  readonly udpIdleTimeoutMs?: number;
  /** Make service IPs local on kpx-svc0 (default true). Off when they already are (tests on 127/8). */
  readonly manageAddresses?: boolean;
  readonly interfaceName?: string;
  /** Where SCTP sockets come from; default: the native layer, probed once. */
  readonly sctp?: () => Promise<StreamTransport | undefined>;
}

interface Held {
  listener: UserspaceListener;
  readonly proxy: ProxyListener;
}

function hasSameTargets(a: UserspaceListener, b: UserspaceListener): boolean {
  return JSON.stringify([a.endpoints, a.sessionAffinity, a.sourceRanges]) === JSON.stringify([b.endpoints, b.sessionAffinity, b.sourceRanges]);
}

// eslint-disable-next-line max-lines-per-function -- the listeners and endpoint pickers are shared by its methods.
export function openUserspaceDataplane(
  deps: DataplaneDeps,
  options: UserspaceDataplaneOptions = {},
): Dataplane<UserspacePlan> & {
  /** Established connections and live sessions per listener key (tests, observe). */
  activeCounts(): Map<string, number>;
} {
  const log = deps.log.child({ mode: 'userspace' });
  const proxyDeps: ProxyDeps = { clock: deps.clock, log };
  const held = new Map<string, Held>();
  const addresses: ServiceInterface = serviceInterface(deps.exec, options.interfaceName);
  const managesAddresses = options.manageAddresses ?? true;
  let sctp: Promise<StreamTransport | undefined> | undefined;
  let lastPlan: UserspacePlan | undefined;

  function sctpTransport(): Promise<StreamTransport | undefined> {
    sctp ??= (options.sctp ?? (() => openSctpTransport(log)))();
    return sctp;
  }

  async function openListener(listener: UserspaceListener): Promise<ProxyListener | undefined> {
    if (listener.protocol === 'UDP') return openUdpListener(listener, proxyDeps, { idleTimeoutMs: options.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS });
    const streamOptions = { idleTimeoutMs: options.tcpIdleTimeoutMs ?? 0 };
    if (listener.protocol === 'TCP') return openStreamListener(listener, proxyDeps, streamOptions);
    const transport = await sctpTransport();
    return transport === undefined ? undefined : openStreamListener(listener, proxyDeps, streamOptions, transport);
  }

  async function syncAddresses(plan: UserspacePlan, phase: 'add' | 'remove'): Promise<number> {
    if (!managesAddresses) return 0;
    const present = await addresses.list();
    const wanted = new Set(plan.serviceAddresses);
    if (phase === 'add') {
      const add = plan.serviceAddresses.filter((address) => !present.has(address));
      await addresses.change(add, []);
      return add.length;
    }
    // Only this family's: beside the other family's dataplane, kpx-svc0 holds its addresses too.
    const isIPv6 = plan.ipFamily === 'IPv6';
    const remove = [...present].filter((address) => !wanted.has(address) && address.includes(':') === isIPv6);
    await addresses.change([], remove);
    return remove.length;
  }

  async function apply(plan: UserspacePlan): Promise<ApplyReport> {
    const started = performance.now();
    // Updates before deletes: addresses and listeners first, then what left the plan.
    const addressesAdded = await syncAddresses(plan, 'add');
    const failures: Array<{ key: string; error: string }> = [];
    const wanted = new Set<string>();
    let opened = 0;
    let updated = 0;
    let unsupported = 0;
    for (const listener of plan.listeners) {
      if (listener.endpoints.length === 0) continue;
      wanted.add(listener.key);
      const current = held.get(listener.key);
      if (current !== undefined) {
        if (!hasSameTargets(current.listener, listener)) {
          current.proxy.update(listener);
          current.listener = listener;
          updated += 1;
        }
        continue;
      }
      try {
        const proxy = await openListener(listener);
        if (proxy === undefined) unsupported += 1;
        else {
          held.set(listener.key, { listener, proxy });
          opened += 1;
        }
      } catch (error) {
        failures.push({ key: listener.key, error: (error as NodeJS.ErrnoException).code ?? String(error) });
      }
    }
    let closed = 0;
    for (const [key, current] of held) {
      if (wanted.has(key)) continue;
      held.delete(key);
      await current.proxy.close();
      closed += 1;
    }
    const addressesRemoved = await syncAddresses(plan, 'remove');
    lastPlan = plan;
    if (failures.length > 0) {
      throw new KpxError('KPX_ERR_UNSUPPORTED', `could not open ${failures.length} userspace listeners`, { context: { failures: failures.slice(0, 20) } });
    }
    return {
      full: true,
      toolMs: 0,
      figures: { ...plan.figures, opened, updated, closed, unsupported, addressesAdded, addressesRemoved, applyMs: performance.now() - started },
    };
  }

  async function closeAll(): Promise<void> {
    const closing = [...held.values()].map((current) => current.proxy.destroy());
    held.clear();
    await Promise.all(closing);
  }

  return {
    async setup() {
      if (!managesAddresses) return;
      const kind = await addresses.ensure();
      log.info({ interface: options.interfaceName ?? 'kpx-svc0', kind }, 'service address interface ready');
    },
    apply,
    async observe(servicePortName?: ServicePortName): Promise<Observed> {
      const lines: string[] = [];
      for (const listener of lastPlan?.listeners ?? []) {
        if (servicePortName !== undefined && listener.servicePortName !== servicePortName) continue;
        const current = held.get(listener.key);
        const state = current === undefined ? 'not listening' : `listening, ${current.proxy.activeCount()} active`;
        lines.push(`${listener.key} ${listener.servicePortName} ${state}`);
      }
      return { text: lines.length === 0 ? '' : `${lines.join('\n')}\n` };
    },
    async cleanup() {
      await closeAll();
      if (managesAddresses && (await addresses.remove())) log.info({ interface: options.interfaceName ?? 'kpx-svc0' }, 'service address interface removed');
    },
    close: closeAll,
    activeCounts: () => new Map([...held].map(([key, current]) => [key, current.proxy.activeCount()])),
  };
}
