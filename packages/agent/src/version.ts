// kpx's version and the kube-proxy release whose behaviour it tracks: `--version` on every
// command, the User-Agent, and the kubernetes_build_info gauge.

export const KPX_VERSION = '0.1.0';
/** The kube-proxy minor release kpx is checked against (flags, config fields, defaults, metrics). */
export const KUBE_PROXY_VERSION = 'v1.34';

/** What `--version` prints (upstream prints `Kubernetes v1.34.0`). */
export function versionText(): string {
  return `kpx v${KPX_VERSION} (kube-proxy ${KUBE_PROXY_VERSION}, Node.js ${process.version})\n`;
}

/** `--version`, `--version=true` or `--version=raw` before any `--`; `--version=false` is not a request. */
export function asksForVersion(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--version' || /^--version=(true|raw|1|t|T|TRUE|True)$/.test(arg)) return true;
  }
  return false;
}
