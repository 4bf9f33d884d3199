// Timestamps as Go's encoding/json writes a time.Time (RFC 3339 with up to nanosecond
// precision, trailing zeros dropped), so JSON bodies read exactly like kube-proxy's.

/** The JSON form of Go's zero time.Time. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** `ms` since the epoch in UTC as Go formats it; undefined is Go's zero time. */
export function formatGoTime(ms: number | undefined): string {
  if (ms === undefined) return GO_ZERO_TIME;
  const iso = new Date(Math.floor(ms)).toISOString(); // 2024-01-02T03:04:05.670Z
  const [seconds = iso, fraction = ''] = iso.slice(0, -1).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed === '' ? `${seconds}Z` : `${seconds}.${trimmed}Z`;
}
