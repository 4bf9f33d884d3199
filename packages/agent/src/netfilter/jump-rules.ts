// The rules in built-in chains that jump into kpx's chains (nat PREROUTING → KUBE-SERVICES,
// …). They cannot live in a --noflush restore payload without piling up a copy per sync,
// so they are ensured one by one as upstream's EnsureRule does: `-C` (exit 1: absent),
// then `-I` (prepend) or `-A` (append). Upstream does this on full syncs only.
// Each `-C` makes iptables-legacy fetch the whole table (~0.3 s at 10k services), so a rule
// already seen in the full sync's iptables-save output is taken as present; `-C` decides
// only for the others (a formatting difference costs a call, never a duplicate).
// Prepended rules end up in the reverse of their list order, the last one first. When one
// of them is already there (kubelet's KUBE-FIREWALL jumps, which `--cleanup` leaves as
// upstream's does), a plain `-I` would put the missing ones in front of it; knowing the
// chain's order from iptables-save, each goes in right after those that must precede it,
// so a node that was cleaned up gets the order of a fresh one.
import assert from 'node:assert';
import { KpxError } from '../errors.ts';
import type { Exec } from '../sys/exec.ts';
import { RESTORE_WAIT_ARGS } from './restore.ts';
import type { IptablesTools } from './backend-detect.ts';
import type { JumpRule } from './jump-rule.ts';
import { BUILTIN_CHAINS } from './saved-ruleset.ts';

/** Pure: the argv of `iptables` for `operation` on `rule`. */
export function jumpRuleArgs(rule: JumpRule, operation: '-C' | '-I' | '-A' | '-D', position?: number): string[] {
  assert(BUILTIN_CHAINS.has(rule.chain), `jump rule from a non-built-in chain ${rule.chain}`);
  assert(/^[A-Z0-9][A-Z0-9_-]*$/.test(rule.target), `jump rule to an invalid chain ${rule.target}`);
  const at = operation === '-I' && position !== undefined && position > 1 ? [String(position)] : [];
  return [...RESTORE_WAIT_ARGS, '-t', rule.table, operation, rule.chain, ...at, ...rule.args, '-j', rule.target];
}

/**
 * Pure: the 1-based `-I` position of `rules[index]` in its chain, whose rules are `order`
 * (savedJumpRuleKey lines, in chain order): right after the last of the rules prepended
 * after it in the list (those that end up in front of it), or first.
 */
export function prependPosition(rules: readonly JumpRule[], index: number, order: readonly string[]): number {
  const rule = rules[index];
  assert(rule !== undefined, 'prependPosition: no rule at index');
  const ahead = new Set<string>();
  for (const later of rules.slice(index + 1)) {
    if (later.position === 'prepend' && later.table === rule.table && later.chain === rule.chain) ahead.add(savedJumpRuleKey(later));
  }
  let last = -1;
  order.forEach((line, at) => {
    if (ahead.has(line)) last = at;
  });
  return last + 2;
}

function failure(tools: IptablesTools, rule: JumpRule, args: readonly string[], stderr: string, exitCode: number): KpxError {
  return new KpxError('KPX_ERR_EXEC', `${tools.iptables} could not ensure the jump ${rule.chain} → ${rule.target}`, {
    context: { args, exitCode, stderr: stderr.slice(0, 2000) },
  });
}

function quoteSaveArg(arg: string): string {
  return /[\s"\\]/.test(arg) ? `"${arg.replace(/(["\\])/g, '\\$1')}"` : arg;
}

/** Pure: `TABLE -A CHAIN …` as iptables-save prints `rule` (the key of FullSyncSurvey.builtinRules). */
export function savedJumpRuleKey(rule: JumpRule): string {
  return `${rule.table} ${['-A', rule.chain, ...rule.args.map(quoteSaveArg), '-j', rule.target].join(' ')}`;
}

/** Whether `rule` exists; throws when iptables cannot tell (e.g. the target chain is missing). */
export async function hasJumpRule(exec: Exec, tools: IptablesTools, rule: JumpRule): Promise<boolean> {
  const args = jumpRuleArgs(rule, '-C');
  const result = await exec({ file: tools.iptables, args });
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw failure(tools, rule, args, result.stderr, result.exitCode);
}

/** What a full sync already knows from iptables-save (FullSyncSurvey). */
export interface KnownRules {
  /** savedJumpRuleKey of every rule in a built-in chain. */
  readonly builtinRules: ReadonlySet<string>;
  /** `TABLE CHAIN` of every existing chain. */
  readonly chains: ReadonlySet<string>;
  /** Per `TABLE CHAIN` of a built-in chain, its rules' savedJumpRuleKey lines in order; updated as rules go in. */
  readonly builtinOrder?: Map<string, string[]>;
}

/**
 * Adds every rule that is missing, in order; resolves with how many were added. A missing
 * target chain is created empty first (upstream's EnsureChain): run before the restore, as
 * upstream does, the inserts then work on still-small tables on a node's first sync.
 */
export async function ensureJumpRules(exec: Exec, tools: IptablesTools, rules: readonly JumpRule[], known?: KnownRules): Promise<number> {
  const created = new Set<string>();
  let added = 0;
  for (const [index, rule] of rules.entries()) {
    if (known?.builtinRules.has(savedJumpRuleKey(rule)) === true) continue;
    const chainKey = `${rule.table} ${rule.target}`;
    if (known !== undefined && !known.chains.has(chainKey)) {
      // Nothing can jump to a chain that did not exist: no `-C` needed.
      if (!created.has(chainKey)) await createChain(exec, tools, rule);
      created.add(chainKey);
    } else if (await hasJumpRule(exec, tools, rule)) {
      continue;
    }
    const order = known?.builtinOrder?.get(`${rule.table} ${rule.chain}`);
    const position = rule.position === 'prepend' && order !== undefined ? prependPosition(rules, index, order) : undefined;
    const args = jumpRuleArgs(rule, rule.position === 'prepend' ? '-I' : '-A', position);
    const result = await exec({ file: tools.iptables, args });
    if (result.exitCode !== 0) throw failure(tools, rule, args, result.stderr, result.exitCode);
    if (order !== undefined) order.splice(position === undefined ? order.length : position - 1, 0, savedJumpRuleKey(rule));
    added += 1;
  }
  return added;
}

/** `iptables -N`; a chain that already exists (exit 1) is fine. */
async function createChain(exec: Exec, tools: IptablesTools, rule: JumpRule): Promise<void> {
  const args = [...RESTORE_WAIT_ARGS, '-t', rule.table, '-N', rule.target];
  const result = await exec({ file: tools.iptables, args });
  if (result.exitCode !== 0 && !(result.exitCode === 1 && /exists/i.test(result.stderr))) {
    throw failure(tools, rule, args, result.stderr, result.exitCode);
  }
}
