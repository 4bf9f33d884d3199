// The nftables mode: a pure planner and formatter over DesiredState, and the dataplane that
// applies each plan as one `nft -f -` transaction.
import type { Mode } from '../mode.ts';
import type { NftablesModeOptions, NftablesPlan } from './plan-types.ts';
import { createNftablesPlanner } from './plan.ts';
import { formatNftablesPlan } from './format.ts';
import { openNftablesDataplane } from './dataplane.ts';
import { DEFAULT_TABLE } from './names.ts';

export function createNftablesMode(options: NftablesModeOptions = {}): Mode<NftablesPlan> {
  const tableName = options.tableName === undefined || options.tableName === '' ? DEFAULT_TABLE : options.tableName;
  return {
    name: 'nftables',
    plan: createNftablesPlanner(options),
    format: formatNftablesPlan,
    open: (deps) => openNftablesDataplane(deps, { ipFamily: 'IPv4', tableName }),
  };
}

export const nftablesMode: Mode<NftablesPlan> = createNftablesMode();
