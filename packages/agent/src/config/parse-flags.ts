// A pure parser for kube-proxy's command line, with pflag's syntax: `--flag=value`,
// `--flag value`, booleans as `--flag` / `--flag=false`, shorthands `-v=4` / `-v 4` / `-v4`,
// `--` ending the flags. Repeated list flags append; repeated scalar flags keep the last.
import type { ConfigError } from './config-error.ts';
import type { FieldValue, ValueKind } from './config-fields.ts';
import { runCheck } from './decode-config-file.ts';
import { parseGoDuration } from './duration.ts';
import { fieldOf, flagKind, UNSUPPORTED_KUBE_PROXY_FLAGS, type FlagSpec } from './flag-table.ts';

export interface ParsedFlags {
  /** The final value of each flag given, by long name, in first-seen order. */
  readonly values: ReadonlyMap<string, FieldValue>;
  readonly positional: readonly string[];
  readonly errors: readonly ConfigError[];
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseFlags(argv: readonly string[], flags: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(flags.map((flag) => [flag.name, flag]));
  const byShorthand = new Map(flags.flatMap((flag) => (flag.shorthand === undefined ? [] : [[flag.shorthand, flag] as const])));
  const values = new Map<string, FieldValue>();
  const positional: string[] = [];
  const errors: ConfigError[] = [];
  const fail = (name: string, value: string, reason: string): void => {
    errors.push({ name, source: 'flag', value, reason });
  };

  const set = (flag: FlagSpec, shownName: string, raw: string): void => {
    const converted = convertFlagValue(flagKind(flag), raw);
    if (typeof converted === 'object' && 'error' in converted) {
      fail(shownName, raw, converted.error);
      return;
    }
    const reason = checkFlagValue(flag, converted);
    if (reason !== undefined) {
      fail(shownName, raw, reason);
      return;
    }
    const previous = values.get(flag.name);
    values.set(flag.name, Array.isArray(previous) && Array.isArray(converted) ? [...previous, ...converted] : converted);
  };

  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--') {
      positional.push(...argv.slice(index + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const equals = body.indexOf('=');
      const name = equals < 0 ? body : body.slice(0, equals);
      const flag = byName.get(name);
      if (flag === undefined) {
        const reason = UNSUPPORTED_KUBE_PROXY_FLAGS.has(name) ? 'a kube-proxy flag kpx does not support' : 'unknown flag';
        fail(`--${name}`, '', `${reason} (see --help for the flags kpx supports)`);
        continue;
      }
      if (equals >= 0) set(flag, `--${name}`, body.slice(equals + 1));
      else if (flagKind(flag) === 'bool') set(flag, `--${name}`, 'true');
      else if (index + 1 < argv.length) set(flag, `--${name}`, argv[++index] ?? '');
      else fail(`--${name}`, '', 'flag needs an argument');
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg.slice(1, 2);
      const rest = arg.slice(2);
      const flag = byShorthand.get(letter);
      if (flag === undefined) {
        fail(`-${letter}`, '', `unknown shorthand flag in ${arg} (see --help for the flags kpx supports)`);
        continue;
      }
      if (rest.startsWith('=')) set(flag, `-${letter}`, rest.slice(1));
      else if (flagKind(flag) === 'bool') {
        if (rest === '') set(flag, `-${letter}`, 'true');
        else fail(`-${letter}`, rest, 'a boolean shorthand takes no value; use -x=false');
      } else if (rest !== '') set(flag, `-${letter}`, rest);
      else if (index + 1 < argv.length) set(flag, `-${letter}`, argv[++index] ?? '');
      else fail(`-${letter}`, '', 'flag needs an argument');
      continue;
    }
    positional.push(arg);
  }
  return { values, positional, errors };
}

function convertFlagValue(kind: ValueKind, raw: string): FieldValue | { error: string } {
  switch (kind) {
    case 'bool':
      if (TRUE_WORDS.has(raw)) return true;
      if (FALSE_WORDS.has(raw)) return false;
      return { error: 'must be true or false' };
    case 'string':
      return raw;
    case 'int':
      return /^[+-]?\d+$/.test(raw) ? Number(raw) : { error: 'must be an integer' };
    case 'float': {
      const value = Number(raw);
      return raw.trim() !== '' && Number.isFinite(value) ? value : { error: 'must be a number' };
    }
    case 'duration':
      return parseGoDuration(raw) ?? { error: 'must be a duration such as 30s, 1m0s or 100ms' };
    case 'list':
      return raw === '' ? [] : raw.split(',');
  }
}

function checkFlagValue(flag: FlagSpec, value: FieldValue): string | undefined {
  if ('field' in flag) return runCheck(fieldOf(flag), value);
  if (flag.kind === 'string' && typeof value === 'string') return flag.check?.(value);
  if (flag.kind === 'list' && Array.isArray(value)) return flag.check?.(value as readonly string[]);
  if ((flag.kind === 'duration' || flag.kind === 'int') && typeof value === 'number') return flag.check?.(value);
  return undefined;
}
