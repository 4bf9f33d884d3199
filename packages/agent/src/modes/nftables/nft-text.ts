// The only ways a value reaches nft text: names checked against nft's identifier grammar,
// comments and interface names quoted after a check that they cannot close the quote or the
// line. Input never trips these (the model validates every field); they are the last guard.
import assert from 'node:assert/strict';

// nft identifiers: a letter, underscore or dot, then letters, digits and [_./-].
const NAME = /^[A-Za-z_.][A-Za-z0-9_./-]{0,255}$/;
// Printable ASCII except the double quote and backslash (nft has no escapes inside quotes).
const QUOTABLE = /^[ !#-[\]-~]*$/;

export function assertNftName(name: string): string {
  assert.ok(NAME.test(name), `not an nft name: ${JSON.stringify(name)}`);
  return name;
}

/** `"text"`, for a comment (at most 128 bytes, nft's limit: longer text is cut). */
export function quoteComment(text: string): string {
  assert.ok(QUOTABLE.test(text), `not a quotable nft comment: ${JSON.stringify(text)}`);
  return `"${text.slice(0, 128)}"`;
}

/** `"name"`, for an interface name or prefix in `iifname`. */
export function quoteInterface(name: string): string {
  assert.ok(/^[A-Za-z0-9_.:@+-]{1,15}\*?$/.test(name), `not an interface name: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** An IP or CIDR as nft reads it (the model validated it; this only refuses what could break the line). */
export function assertAddress(text: string): string {
  assert.ok(/^[0-9A-Fa-f.:/]+$/.test(text), `not an address: ${JSON.stringify(text)}`);
  return text;
}

/** `ip:port` or `[ip6]:port`, upstream's Endpoint.String(). */
export function assertEndpoint(text: string): string {
  assert.ok(/^(\[[0-9A-Fa-f:.]+\]|[0-9.]+):[0-9]{1,5}$/.test(text), `not an endpoint: ${JSON.stringify(text)}`);
  return text;
}
