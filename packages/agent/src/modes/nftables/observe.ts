// Reading back what the kernel holds for one service port, without listing the whole table:
// `nft -j list map` of each map that can hold its elements (nft fetches only that map's
// elements), and the chains from one `nft -t list table` (terse: no set elements printed; nft
// 1.0.6 fetches every element for any `list chain` anyway, so one terse listing costs what one
// chain would and serves them all), then the clients remembered in the affinity sets those
// chains update (`nft -j list set`). The reads of each step run concurrently.
import type { ServicePort } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { runNftCommand } from './apply.ts';
import {
  affinitySetsOf,
  chainsFromText,
  elementsFromJson,
  formatObservedService,
  serviceChains,
  serviceReads,
  type ListedElement,
  type MapRead,
} from './observed-service.ts';

interface MapResult {
  readonly map: string;
  readonly elements: readonly ListedElement[] | undefined;
}

async function readMap(exec: Exec, family: string, table: string, read: MapRead): Promise<MapResult> {
  const json = await runNftCommand(exec, ['-j', 'list', 'map', family, table, read.map]);
  return { map: read.map, elements: json === undefined ? undefined : elementsFromJson(read.map, json, read.prefixes) };
}

/** The text of `observe(name, port)`: the port's map elements and chains as the kernel has them. */
export async function observeServicePort(exec: Exec, family: 'ip' | 'ip6', table: string, port: ServicePort): Promise<string> {
  const reads = serviceReads(port);
  const chainText = runNftCommand(exec, ['-t', 'list', 'table', family, table]);
  const verdictResults = Promise.all(reads.verdictMaps.map((read) => readMap(exec, family, table, read)));
  const endpointResults = Promise.all(reads.endpointMaps.map((read) => readMap(exec, family, table, read)));
  const [text, verdictMaps, endpointMaps] = await Promise.all([chainText, verdictResults, endpointResults]);
  if (text === undefined) return `(no table ${family} ${table})\n`;
  const verdicts = verdictMaps.flatMap((result) => result.elements ?? []);
  const chains = serviceChains(port, verdicts, chainsFromText(text));
  const affinity = await Promise.all(
    affinitySetsOf(chains).map(async (set) => {
      const json = await runNftCommand(exec, ['-j', 'list', 'set', family, table, set]);
      return json === undefined ? [] : elementsFromJson(set, json);
    }),
  );
  return formatObservedService({
    table: `${family} ${table}`,
    verdicts,
    endpoints: endpointMaps.flatMap((result) => result.elements ?? []),
    chains,
    affinity: affinity.flat(),
    missingMaps: [...verdictMaps, ...endpointMaps].filter((result) => result.elements === undefined).map((result) => result.map),
  });
}
