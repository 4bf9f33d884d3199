// Label selectors as upstream's labels.Parse reads them: `k`, `!k`, `k=v`, `k==v`, `k!=v`,
// `k in (a,b)`, `k notin (a,b)`, `k>1`, `k<1`, joined by commas. Pure.

export type LabelOperator = 'exists' | 'notexists' | 'equals' | 'notequals' | 'in' | 'notin' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export type LabelSelector = readonly LabelRequirement[];

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

type Token = { kind: 'id'; text: string } | { kind: 'op'; text: string } | { kind: 'end' };

const OPERATOR_TEXTS = ['==', '!=', '=', '!', '(', ')', ',', '>', '<'];
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<', ' ', '\t', '\r', '\n']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i += 1;
      continue;
    }
    const op = OPERATOR_TEXTS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < text.length && !SPECIAL.has(text[j] as string)) j += 1;
    tokens.push({ kind: 'id', text: text.slice(i, j) });
    i = j;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** upstream's IsQualifiedName, reduced to its message. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) return `prefix part of "${key}" must be a DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    return `name part of "${key}" must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters`;
  }
  return undefined;
}

export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME_PART.test(value)) {
    return `values[0]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`;
  }
  return undefined;
}

class Parser {
  private position = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end' };
  }

  next(): Token {
    const token = this.peek();
    this.position += 1;
    return token;
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'EOS' : token.text;
}

function parseValues(parser: Parser): ParseResult<string[]> {
  const open = parser.next();
  if (open.kind !== 'op' || open.text !== '(') return { ok: false, error: `found '${describe(open)}', expected: '('` };
  const values: string[] = [];
  for (;;) {
    const token = parser.next();
    if (token.kind === 'op' && token.text === ')' && values.length === 0) break;
    if (token.kind !== 'id') return { ok: false, error: `found '${describe(token)}', expected: identifier` };
    values.push(token.text);
    const after = parser.next();
    if (after.kind === 'op' && after.text === ')') break;
    if (after.kind !== 'op' || after.text !== ',') return { ok: false, error: `found '${describe(after)}', expected: ',' or ')'` };
  }
  return { ok: true, value: values };
}

function parseRequirement(parser: Parser): ParseResult<LabelRequirement> {
  let negated = false;
  let token = parser.next();
  if (token.kind === 'op' && token.text === '!') {
    negated = true;
    token = parser.next();
  }
  if (token.kind !== 'id') return { ok: false, error: `found '${describe(token)}', expected: identifier` };
  const key = token.text;
  const keyError = checkLabelKey(key);
  if (keyError !== undefined) return { ok: false, error: keyError };
  const following = parser.peek();
  const atBoundary = following.kind === 'end' || (following.kind === 'op' && following.text === ',');
  if (negated || atBoundary) {
    if (!atBoundary) return { ok: false, error: `found '${describe(following)}', expected: ',' or 'end of string'` };
    return { ok: true, value: { key, operator: negated ? 'notexists' : 'exists', values: [] } };
  }
  const operatorToken = parser.next();
  if (operatorToken.kind === 'id' && (operatorToken.text === 'in' || operatorToken.text === 'notin')) {
    const values = parseValues(parser);
    if (!values.ok) return values;
    if (values.value.length === 0) return { ok: false, error: "for 'in', 'notin' operators, values set can't be empty" };
    for (const value of values.value) {
      const valueError = checkLabelValue(value);
      if (valueError !== undefined) return { ok: false, error: valueError };
    }
    return { ok: true, value: { key, operator: operatorToken.text, values: values.value } };
  }
  if (operatorToken.kind !== 'op' || !['=', '==', '!=', '>', '<'].includes(operatorToken.text)) {
    return { ok: false, error: `found '${describe(operatorToken)}', expected: in, notin, =, ==, !=, gt, lt` };
  }
  const valueToken = parser.peek();
  const value = valueToken.kind === 'id' ? (parser.next(), valueToken.text) : '';
  if (operatorToken.text === '>' || operatorToken.text === '<') {
    if (!/^-?\d+$/.test(value)) return { ok: false, error: `for 'Gt', 'Lt' operators, the value must be an integer` };
    return { ok: true, value: { key, operator: operatorToken.text === '>' ? 'gt' : 'lt', values: [value] } };
  }
  const valueError = checkLabelValue(value);
  if (valueError !== undefined) return { ok: false, error: valueError };
  return { ok: true, value: { key, operator: operatorToken.text === '!=' ? 'notequals' : 'equals', values: [value] } };
}

export function parseLabelSelector(text: string): ParseResult<LabelSelector> {
  const parser = new Parser(tokenize(text));
  const requirements: LabelRequirement[] = [];
  if (parser.peek().kind === 'end') return { ok: true, value: requirements };
  for (;;) {
    const requirement = parseRequirement(parser);
    if (!requirement.ok) return { ok: false, error: `unable to parse requirement: ${requirement.error}` };
    requirements.push(requirement.value);
    const separator = parser.next();
    if (separator.kind === 'end') return { ok: true, value: requirements };
    if (separator.kind !== 'op' || separator.text !== ',') {
      return { ok: false, error: `found '${describe(separator)}', expected: ',' or 'end of string'` };
    }
  }
}

function matchesRequirement(requirement: LabelRequirement, labels: Readonly<Record<string, unknown>>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = has ? String(labels[requirement.key]) : undefined;
  switch (requirement.operator) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'equals':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notequals':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const bound = Number(requirement.values[0]);
      return requirement.operator === 'gt' ? Number(value) > bound : Number(value) < bound;
    }
  }
}

export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, unknown>> | undefined): boolean {
  return selector.every((requirement) => matchesRequirement(requirement, labels ?? {}));
}
