// Continue tokens exactly as upstream's storage.EncodeContinue writes them: base64url (no
// padding) of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the list prefix>"}. Pure.

export interface ContinuePosition {
  /** -1 = continue at the latest version (after an expired token). */
  readonly resourceVersion: number;
  /** The first key to return, relative to the list's key prefix. */
  readonly startKey: string;
}

export function encodeContinue(position: ContinuePosition): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv: position.resourceVersion, start: position.startKey });
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Returns the decoded position, or upstream's error text. */
export function decodeContinue(token: string): ContinuePosition | string {
  if (!/^[A-Za-z0-9_-]*$/.test(token)) return 'continue key is not valid: illegal base64 data';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    return `continue key is not valid: ${(error as Error).message}`;
  }
  if (typeof parsed !== 'object' || parsed === null) return 'continue key is not valid';
  const { v, rv, start } = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== 'meta.k8s.io/v1') return `continue key is not valid: server does not recognize this encoded version ${String(v)}`;
  if (typeof rv !== 'number' || !Number.isInteger(rv) || rv === 0)
    return 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)';
  if (typeof start !== 'string' || start === '') return 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)';
  const segments = start.split('/');
  if (start.startsWith('/') || segments.some((s) => s === '.' || s === '..' || s === '')) return `continue key is not valid: ${start}`;
  return { resourceVersion: rv, startKey: start };
}
