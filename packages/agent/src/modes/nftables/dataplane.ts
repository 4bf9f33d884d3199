// The nftables dataplane: every plan is one transaction, inside `netns` when set: `nft -f -`,
// or, for partial syncs with `engine` libnftables, one long-lived in-process nft context
// (libnftables.ts).
// The first full sync replaces the table (a clean takeover from kube-proxy or an older kpx);
// later full syncs flush its rules and keep the dynamic affinity sets, deleting the objects a
// previous plan created that this one no longer owns. Every full transaction also writes the
// flush canary that detectFlush checks (flush-canary.ts). Nothing here lists the whole table
// except observe() without a port (observe.ts reads only what concerns one port).
import { isKpxError } from '../../errors.ts';
import type { IPFamily, ServicePort, ServicePortName } from '../../model/types.ts';
import type { Exec } from '../../sys/exec.ts';
import { execInNetns } from '../../sys/netns.ts';
import type { ApplyReport, Dataplane, DataplaneDeps, FlushDetection, Observed } from '../mode.ts';
import type { Logger } from '../../log.ts';
import { locateRejection, runNftCommand, runNftTransaction } from './apply.ts';
import { openNftContext, type NftContext } from './libnftables.ts';
import { transactionText } from './format.ts';
import { canaryStatements, checkCanary } from './flush-canary.ts';
import { DEFAULT_TABLE, servicePortChainBase } from './names.ts';
import { observeServicePort } from './observe.ts';
import { assertNftName } from './nft-text.ts';
import type { NftablesPlan, NftObject } from './plan-types.ts';
import { TABLE_COMMENT } from './statements.ts';

export interface NftablesDataplaneSettings {
  /** Run nft inside this network namespace. */
  readonly netns?: string;
  readonly ipFamily: IPFamily;
  /** `kube-proxy`, or the --service-proxy-name. */
  readonly tableName?: string;
  readonly timeoutMs?: number;
  /**
   * How partial transactions reach the kernel: `nft` (default) runs `nft -f -` per sync;
   * `libnftables` keeps one in-process context (KPX_ERR_NFT if it cannot be loaded); `auto` uses
   * libnftables when it loads and `nft -f -` otherwise. Full syncs always run `nft -f -`: at 10k
   * services one in-process full sync left kpx 500 MiB larger (glibc keeps what nft freed) and
   * was no faster.
   */
  readonly engine?: NftEngine;
}

export type NftEngine = 'nft' | 'libnftables' | 'auto';

export function openNftablesDataplane<Plan extends NftablesPlan = NftablesPlan>(deps: DataplaneDeps, settings: NftablesDataplaneSettings): Dataplane<Plan> {
  const exec: Exec = settings.netns === undefined ? deps.exec : execInNetns(deps.exec, settings.netns);
  const table = assertNftName(settings.tableName ?? DEFAULT_TABLE);
  const family = settings.ipFamily === 'IPv6' ? 'ip6' : 'ip';
  const target = `${family} ${table}`;
  const log = deps.log.child({ mode: 'nftables', ipFamily: settings.ipFamily, ...(settings.netns === undefined ? {} : { netns: settings.netns }) });
  /** What this instance has programmed, by `kind name`; undefined before its first full sync. */
  let known: Map<string, NftObject> | undefined;
  const runner = transactionRunner(exec, settings, log);

  /** One sync transaction; a rejected or unfinished one counts as upstream's nftables sync failure. */
  async function transact(text: string, full: boolean): Promise<number> {
    try {
      return await runner.run(text, full);
    } catch (error) {
      if (isKpxError(error, 'KPX_ERR_NFT')) deps.metrics?.countNftablesFailure('sync');
      throw error;
    }
  }

  async function apply(plan: Plan): Promise<ApplyReport> {
    let text: string;
    if (plan.full) {
      const owned = new Set(plan.owned.map(objectId));
      const stale = known === undefined ? [] : [...known.values()].filter((object) => !owned.has(objectId(object)));
      // Chains first: a stale chain may name a stale set.
      stale.sort((a, b) => (a.kind === 'chain' ? 0 : 1) - (b.kind === 'chain' ? 0 : 1));
      const deletions = stale.map((object) => `delete ${object.kind} ${target} ${object.name}`);
      text = transactionText(plan, known === undefined, [...deletions, ...canaryStatements(target)]);
      const nftMs = await transact(text, true);
      known = new Map(plan.owned.map((object) => [objectId(object), object]));
      return { full: true, toolMs: nftMs, figures: { ...plan.figures, nftMs, staleObjectsDeleted: stale.length } };
    }
    const table = known;
    text = transactionText(plan, false, [], (chain) => table?.has(objectId({ kind: 'chain', name: chain })) ?? false);
    const nftMs = text === '' ? 0 : await transact(text, false);
    if (known !== undefined) {
      for (const object of plan.created) known.set(objectId(object), object);
      for (const object of plan.deleted) known.delete(objectId(object));
    }
    return { full: false, toolMs: nftMs, figures: { ...plan.figures, nftMs } };
  }

  return {
    async setup() {
      await runner.run(`add table ${target} { comment ${TABLE_COMMENT} ; }\n`, false);
      log.info({ table: target }, 'nftables table ready');
    },
    apply,
    async observe(servicePortName?: ServicePortName, servicePort?: ServicePort): Promise<Observed> {
      if (servicePort !== undefined) return { text: await observeServicePort(exec, family, table, servicePort) };
      const text = (await runNftCommand(exec, ['list', 'table', family, table])) ?? '';
      return { text: servicePortName === undefined ? text : filterService(text, servicePortName) };
    },
    async cleanup() {
      try {
        for (const cleanupFamily of ['ip', 'ip6']) await runNftCommand(exec, ['delete', 'table', cleanupFamily, table]);
      } catch (error) {
        deps.metrics?.countNftablesFailure('cleanup');
        throw error;
      }
      known = undefined;
      log.info({ table }, 'nftables tables removed');
    },
    async close() {
      known = undefined;
      await runner.close();
    },
    async detectFlush(): Promise<FlushDetection | undefined> {
      // Before the first full sync (and after cleanup) there is no canary to look for.
      if (known === undefined) return undefined;
      const state = await checkCanary(exec, family, table);
      return state === 'intact' ? undefined : { lost: [target] };
    },
  };
}

interface TransactionRunner {
  /** @param large a full sync's transaction: it goes through `nft -f -` whatever the engine. */
  run(text: string, large: boolean): Promise<number>;
  close(): Promise<void>;
}

/** Runs transactions with the configured engine; a libnftables context opens on first use. */
function transactionRunner(exec: Exec, settings: NftablesDataplaneSettings, log: Logger): TransactionRunner {
  const engine = settings.engine ?? 'nft';
  const viaNft = (text: string): Promise<number> => runNftTransaction(exec, text, settings.timeoutMs);
  if (engine === 'nft') return { run: viaNft, close: async () => undefined };
  let context: Promise<NftContext | undefined> | undefined;
  const open = (): Promise<NftContext | undefined> =>
    (context ??= openNftContext(settings.netns).catch((error: unknown) => {
      if (engine === 'libnftables') {
        context = undefined;
        throw error;
      }
      log.warn({ err: error }, 'libnftables unavailable: transactions go through nft -f -');
      return undefined;
    }));
  return {
    async run(text, large) {
      if (large) return viaNft(text);
      const nft = await open();
      if (nft === undefined) return viaNft(text);
      const result = await nft.run(text);
      if (result.ok) return result.ms;
      throw await locateRejection(exec, text, result.error);
    },
    async close() {
      const nft = await context?.catch(() => undefined);
      context = undefined;
      nft?.close();
    },
  };
}

function objectId(object: NftObject): string {
  return `${object.kind} ${object.name}`;
}

/** The chains and element lines of `nft list table` output that belong to one service port. */
function filterService(text: string, servicePortName: ServicePortName): string {
  const bases = ['TCP', 'UDP', 'SCTP'].map((protocol) => servicePortChainBase(servicePortName, protocol as 'TCP'));
  const out: string[] = [];
  let inChain = false;
  for (const line of text.split('\n')) {
    const header = /^\tchain (\S+) \{/.exec(line);
    if (header !== null) inChain = bases.some((base) => header[1]!.includes(base));
    if (inChain || line.includes(`"${servicePortName}"`)) out.push(line);
    if (inChain && line === '\t}') inChain = false;
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
