// Values from rejected objects end up in logs and on terminals: make them inert.

const MAX_PRINTABLE_LENGTH = 120;

// C0 and C1 controls, DEL, line/paragraph separators and bidi overrides ("trojan source").
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

function escapeCharacter(character: string): string {
  if (character === '\\') return '\\\\';
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  if (character === '\t') return '\\t';
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function describeNonString(value: unknown): string {
  if (value === undefined) return '<missing>';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * One line of plain text for any value: control characters escaped, backslashes doubled
 * (so escapes cannot be forged), long values truncated with a count of what was cut.
 */
export function printableValue(value: unknown): string {
  const text = typeof value === 'string' ? value : describeNonString(value);
  const head = text.length > MAX_PRINTABLE_LENGTH ? text.slice(0, MAX_PRINTABLE_LENGTH) : text;
  const escaped = head.replace(UNSAFE_CHARACTERS, escapeCharacter);
  return text.length > MAX_PRINTABLE_LENGTH ? `${escaped}…(+${text.length - MAX_PRINTABLE_LENGTH} chars)` : escaped;
}
