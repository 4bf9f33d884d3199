// The nftables mode: a pure planner and formatter over DesiredState, and the dataplane that
// applies each plan as one `nft -f -` transaction.
import type { Mode } from '../mode.ts';
import type { NftablesModeOptions, NftablesPlan } from './plan-types.ts';
import { createNftablesPlanner } from './plan.ts';
import { formatNftablesPlan } from './format.ts';
import { openNftablesDataplane } from './dataplane.ts';
import { DEFAULT_TABLE } from './names.ts';
import { cleanupNftablesLeftovers } from './leftovers.ts';

type Planner = ReturnType<typeof createNftablesPlanner>;

/** One planner per options object: it memoizes the render context of each node context. */
const planners = new WeakMap<NftablesModeOptions, Planner>();

function plannerFor(options: NftablesModeOptions): Planner {
  let planner = planners.get(options);
  if (planner === undefined) {
    planner = createNftablesPlanner(options);
    planners.set(options, planner);
  }
  return planner;
}

export const nftablesMode: Mode<NftablesPlan, NftablesModeOptions> = {
  name: 'nftables',
  // --service-proxy-name names the table, so that kpx beside kube-proxy never touches `kube-proxy`.
  optionsFromConfig: (config, flags) => ({
    tableName: flags.serviceProxyName === '' ? DEFAULT_TABLE : flags.serviceProxyName,
    tcpBeLiberal: config.conntrack.tcpBeLiberal,
  }),
  plan: (state, options, changed) => plannerFor(options)(state, changed),
  format: formatNftablesPlan,
  open: (deps, settings) =>
    openNftablesDataplane(deps, {
      ...(settings.netns === '' ? {} : { netns: settings.netns }),
      ipFamily: settings.ipFamily,
      tableName: settings.options.tableName === undefined || settings.options.tableName === '' ? DEFAULT_TABLE : settings.options.tableName,
      // `nft -f -` for every sync. The libnftables engine measures faster for partial syncs (5 ms
      // instead of 24 ms at 10k services: docs/ARCHITECTURE.md) and passes the dataplane's own
      // e2e, but the daemon's failure-injection tests work by shimming the nft binary, which an
      // in-process context bypasses: it stays off until those tests can drive it too.
      engine: 'nft',
    }),
  writes: ['nftables'],
  // With --service-proxy-name, its tables carry that name.
  hasStateApartFromKubeProxy: true,
  cleanupLeftovers: cleanupNftablesLeftovers,
};
