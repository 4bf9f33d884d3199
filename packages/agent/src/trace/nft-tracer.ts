// nftables: kpx's own `kpx-trace` table marks this flow with `meta nftrace set 1` before any
// other chain sees it (priority -350), and `nft monitor trace` reports every rule of every
// table the marked packets then hit. The table goes when its last rule does.
import { KpxError } from '../errors.ts';
import type { Exec } from '../sys/exec.ts';
import { startMonitor, type Monitor } from './monitor.ts';
import { parseNftTrace } from './parse-nft-trace.ts';
import { isPidGone, type RuleTracer } from './rule-tracer.ts';
import { TRACE_TABLE, nftFamily, nftHandlesToRemove, nftTableHasRules, nftTraceRules } from './trace-rules.ts';
import type { Flow } from './trace-types.ts';

/** Removes the rules `isGone` picks from kpx's trace table, and the table once it is empty. */
export async function sweepNftTraceTable(exec: Exec, family: 'ip' | 'ip6', isGone: (pid: number) => boolean): Promise<boolean> {
  const listed = await exec({ file: 'nft', args: ['-a', 'list', 'table', family, TRACE_TABLE] });
  if (listed.exitCode !== 0) return true; // no table: nothing to remove
  for (const { chain, handle } of nftHandlesToRemove(listed.stdout, isGone)) {
    await exec({ file: 'nft', args: ['delete', 'rule', family, TRACE_TABLE, chain, 'handle', String(handle)] });
  }
  const after = await exec({ file: 'nft', args: ['-a', 'list', 'table', family, TRACE_TABLE] });
  if (after.exitCode !== 0) return true;
  if (nftHandlesToRemove(after.stdout, isGone).length > 0) return false;
  // Another live run's rules keep the table.
  if (!nftTableHasRules(after.stdout)) await exec({ file: 'nft', args: ['delete', 'table', family, TRACE_TABLE] });
  return true;
}

export function nftTracer(exec: Exec, netns: string, flow: Flow, pid: number = process.pid): RuleTracer {
  const family = nftFamily(flow);
  let monitor: Monitor | undefined;
  return {
    source: { kind: 'nft-trace' },
    async arm() {
      await sweepNftTraceTable(exec, family, isPidGone);
      const added = await exec({ file: 'nft', args: ['-f', '-'], stdin: nftTraceRules(flow, pid) });
      if (added.exitCode !== 0) throw new KpxError('KPX_ERR_NFT', 'could not add the trace rule', { context: { stderr: added.stderr.slice(0, 2000) } });
      monitor = await startMonitor(netns, 'nft', ['monitor', 'trace']);
    },
    async collect() {
      const text = (await monitor?.stop()) ?? '';
      monitor = undefined;
      return parseNftTrace(text).filter((hit) => hit.table !== `${family} ${TRACE_TABLE}`);
    },
    async remove() {
      await monitor?.stop();
      monitor = undefined;
      return sweepNftTraceTable(exec, family, (rulePid) => rulePid === pid || isPidGone(rulePid));
    },
  };
}
