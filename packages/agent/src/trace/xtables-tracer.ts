// iptables on the nft backend: a `-j TRACE` rule at the top of the raw table's PREROUTING and
// OUTPUT matching only this flow, and `xtables-monitor --trace` reporting the rules the packets
// hit in iptables' own words. A raw table that this run had to create is deleted afterwards.
import { KpxError } from '../errors.ts';
import type { Exec } from '../sys/exec.ts';
import { startMonitor, type Monitor } from './monitor.ts';
import { parseXtablesTrace } from './parse-xtables-trace.ts';
import { isPidGone, type RuleTracer } from './rule-tracer.ts';
import { iptablesRulesToRemove, iptablesTraceRules, markerPid, nftFamily } from './trace-rules.ts';
import type { Flow } from './trace-types.ts';

async function sweepRaw(exec: Exec, iptables: string, isGone: (pid: number) => boolean): Promise<boolean> {
  const listed = await exec({ file: iptables, args: ['-w', '-t', 'raw', '-S'] });
  if (listed.exitCode !== 0) return true;
  for (const removal of iptablesRulesToRemove(listed.stdout, isGone)) await exec({ file: iptables, args: ['-w', '-t', 'raw', ...removal] });
  const after = await exec({ file: iptables, args: ['-w', '-t', 'raw', '-S'] });
  return iptablesRulesToRemove(after.stdout, isGone).length === 0;
}

export function xtablesTracer(exec: Exec, netns: string, flow: Flow, pid: number = process.pid): RuleTracer {
  const isV6 = nftFamily(flow) === 'ip6';
  const iptables = isV6 ? 'ip6tables-nft' : 'iptables-nft';
  const rawTable = ['list', 'table', isV6 ? 'ip6' : 'ip', 'raw'];
  let hadRawTable = true;
  let monitor: Monitor | undefined;
  return {
    source: { kind: 'xtables-trace' },
    async arm() {
      hadRawTable = (await exec({ file: 'nft', args: rawTable }).catch(() => ({ exitCode: 0 }))).exitCode === 0;
      await sweepRaw(exec, iptables, isPidGone);
      for (const [, chain = '', ...spec] of iptablesTraceRules(flow, pid)) {
        const added = await exec({ file: iptables, args: ['-w', '-t', 'raw', '-I', chain, '1', ...spec] });
        if (added.exitCode !== 0) throw new KpxError('KPX_ERR_EXEC', 'could not add the TRACE rule', { context: { stderr: added.stderr.slice(0, 2000) } });
      }
      monitor = await startMonitor(netns, 'xtables-monitor', ['--trace', isV6 ? '-6' : '-4']);
    },
    async collect() {
      const text = (await monitor?.stop()) ?? '';
      monitor = undefined;
      return parseXtablesTrace(text).filter((hit) => markerPid(hit.rule) === undefined);
    },
    async remove() {
      await monitor?.stop();
      monitor = undefined;
      const clean = await sweepRaw(exec, iptables, (rulePid) => rulePid === pid || isPidGone(rulePid));
      if (clean && !hadRawTable) {
        const listed = await exec({ file: iptables, args: ['-w', '-t', 'raw', '-S'] });
        if (!/^-A /m.test(listed.stdout)) await exec({ file: 'nft', args: ['delete', 'table', isV6 ? 'ip6' : 'ip', 'raw'] });
      }
      return clean;
    },
  };
}
