// "HOST:PORT" / "[IPv6]:PORT" bind addresses (--healthz-bind-address, --metrics-bind-address),
// already checked by the config layer, split for listen().
export function splitHostPort(address: string): { host: string | undefined; port: number } {
  const colon = address.lastIndexOf(':');
  const rawHost = address.slice(0, colon);
  const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
  return { host: host === '' ? undefined : host, port: Number(address.slice(colon + 1)) };
}
