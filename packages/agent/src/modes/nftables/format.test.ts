import { expect, it } from 'vitest';
import { diffStates } from '../../diff/diff-states.ts';
import { makeEndpoint, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import { formatNftablesPlan, transactionText } from './format.ts';
import { createNftablesPlanner } from './plan.ts';

const web = (endpoints: readonly string[]) =>
  makeState([makeServicePort('ns', 'web', 'http', (sp) => void sp.endpoints.push(...endpoints.map((ip) => makeEndpoint(ip, 8080))))]);

it('heads `kpx render` output with the mode, family, sync kind and table, as a comment nft skips, above the transaction', () => {
  const plan = createNftablesPlanner({ tableName: 'kpx' });
  const full = plan(web(['10.244.1.2']));
  const partial = plan(web(['10.244.1.2', '10.244.1.3']), diffStates(web(['10.244.1.2']), web(['10.244.1.2', '10.244.1.3'])));
  expect(formatNftablesPlan(full)).toBe(`# kpx nftables plan (IPv4, full sync): nft -f input for table ip kpx.\n${transactionText(full, false)}`);
  expect(formatNftablesPlan(partial).split('\n')[0]).toBe('# kpx nftables plan (IPv4, partial sync): nft -f input for table ip kpx.');
  // The dataplane sends the transaction alone.
  expect(transactionText(full, false).startsWith('add table ip kpx')).toBe(true);
});
