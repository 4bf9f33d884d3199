// The userspace mode: service traffic carried through kpx's own sockets. A pure planner and
// formatter over DesiredState, and the dataplane that keeps the listeners: in this process on
// the host, or, with --netns, in a child agent inside the namespace (the sockets must live
// there, the daemon on the host), which stops with the daemon.
import type { Dataplane, DataplaneDeps, DataplaneSettings, Mode } from '../mode.ts';
import { openUserspaceDataplane, type UserspaceDataplaneOptions } from './dataplane.ts';
import { formatUserspacePlan } from './format.ts';
import { cleanupUserspaceLeftovers } from './leftovers.ts';
import type { UserspacePlan } from './plan-types.ts';
import { planUserspace } from './plan.ts';
import { openRemoteUserspaceDataplane, spawnNetnsAgent, type AgentOptions } from './remote-dataplane.ts';

/** What of the options survives JSON: the agent opens its own SCTP transport. */
function agentOptions(options: UserspaceDataplaneOptions): AgentOptions {
  const { tcpIdleTimeoutMs, udpIdleTimeoutMs, manageAddresses, interfaceName } = options;
  return { tcpIdleTimeoutMs, udpIdleTimeoutMs, manageAddresses, interfaceName };
}

function openDataplane(deps: DataplaneDeps, settings: DataplaneSettings<UserspaceDataplaneOptions>): Dataplane<UserspacePlan> {
  if (settings.netns === '') return openUserspaceDataplane(deps, settings.options);
  return openRemoteUserspaceDataplane({ log: deps.log, spawnAgent: () => spawnNetnsAgent(settings.netns, agentOptions(settings.options)) });
}

export const userspaceMode: Mode<UserspacePlan, UserspaceDataplaneOptions> = {
  name: 'userspace',
  /** kube-proxy's udpIdleTimeout (--udp-timeout) and kpx's own TCP idle timeout. */
  optionsFromConfig: (config, flags) => ({ udpIdleTimeoutMs: config.udpIdleTimeoutMs, tcpIdleTimeoutMs: flags.userspaceTcpIdleTimeoutMs }),
  plan: (state, _options, changed) => planUserspace(state, changed),
  format: formatUserspacePlan,
  open: openDataplane,
  writes: ['service-interface'],
  // kpx-svc0 is kpx's alone.
  hasStateApartFromKubeProxy: true,
  cleanupLeftovers: cleanupUserspaceLeftovers,
};
