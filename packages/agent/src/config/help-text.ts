// `--help` text, generated from the flag table and the defaults.
import { formatGoDuration } from './duration.ts';
import { fieldOf, flagKind, flagsFor, isIgnoredWithConfig, type Command, type FlagSpec } from './flag-table.ts';
import { defaultKubeProxyConfig } from './kube-proxy-config.ts';

const TYPE_WORDS = { bool: '', string: 'string', int: 'int32', float: 'float32', duration: 'duration', list: 'strings' } as const;
const HELP_COLUMN = 44;
const WIDTH = 110;

export function formatFlagHelp(command: Command, usage: string): string {
  const lines = [usage, '', 'Flags:'];
  for (const flag of flagsFor(command)) lines.push(...formatFlag(flag, command));
  return `${lines.join('\n')}\n`;
}

function formatFlag(flag: FlagSpec, command: Command): string[] {
  const names = flag.shorthand === undefined ? `    --${flag.name}` : `-${flag.shorthand}, --${flag.name}`;
  const typeWord = flag.typeName ?? TYPE_WORDS[flagKind(flag)];
  const head = `  ${names}${typeWord === '' ? '' : ` ${typeWord}`}`;
  const defaultText = defaultOf(flag, typeWord);
  const ignored =
    flag.ignoredBy?.includes(command) === true
      ? ` (accepted and ignored by kpx ${command})`
      : command === 'run' && isIgnoredWithConfig(flag)
        ? ' (ignored with --config)'
        : '';
  // A no-break space keeps "(default X)" on one line; wrap() turns it back into a space.
  const text = `${flag.help}${defaultText === undefined ? '' : ` (default\u00a0${defaultText})`}${ignored}`;
  const wrapped = wrap(text, WIDTH - HELP_COLUMN).map((line) => line.replaceAll('\u00a0', ' '));
  const first = head.length < HELP_COLUMN ? head.padEnd(HELP_COLUMN) + (wrapped[0] ?? '') : `${head}\n${' '.repeat(HELP_COLUMN)}${wrapped[0] ?? ''}`;
  return [first, ...wrapped.slice(1).map((line) => ' '.repeat(HELP_COLUMN) + line)];
}

/** The default as pflag prints it; undefined for zero values, which pflag leaves out. */
function defaultOf(flag: FlagSpec, typeWord: string): string | undefined {
  if (!('field' in flag)) return undefined;
  const field = fieldOf(flag);
  if (field.target === undefined) return undefined;
  let value: unknown = defaultKubeProxyConfig();
  for (const part of field.target.split('.')) value = (value as Record<string, unknown>)[part];
  if (value === '' || value === false || value === 0 || (Array.isArray(value) && value.length === 0)) return undefined;
  if (field.kind === 'duration' && typeof value === 'number') return formatGoDuration(value);
  return typeWord === 'string' ? JSON.stringify(value) : String(value);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/[ \t\n]+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
