// Which iptables backend the node uses, decided as kube-proxy's image decides it
// (kubernetes-sigs/iptables-wrappers): kubelet leaves a KUBE-IPTABLES-HINT or
// KUBE-KUBELET-CANARY chain in the mangle table of the backend it uses; look there in
// nft first (cheap), then in legacy. Without a hint, the v2 wrapper's rule count: the
// backend holding more rules wins. Otherwise nft, the modern default.
import type { IPFamily } from '../model/types.ts';
import type { Exec } from '../sys/exec.ts';

export type IptablesBackend = 'nft' | 'legacy';
export type IptablesBackendChoice = IptablesBackend | 'auto';

/** The binaries of one backend and IP family. */
export interface IptablesTools {
  readonly backend: IptablesBackend;
  readonly iptables: string;
  readonly save: string;
  readonly restore: string;
}

export function iptablesTools(backend: IptablesBackend, ipFamily: IPFamily): IptablesTools {
  const base = `${ipFamily === 'IPv6' ? 'ip6tables' : 'iptables'}-${backend}`;
  return { backend, iptables: base, save: `${base}-save`, restore: `${base}-restore` };
}

/** What the save tools printed; each text is the IPv4 and IPv6 output concatenated. */
export interface BackendEvidence {
  /** `iptables-nft-save -t mangle` (cheap on nft). */
  readonly nftMangle: string;
  /** `iptables-legacy-save` of every table: `-t mangle` would create the table in legacy. */
  readonly legacyAll: string;
  /** `iptables-nft-save` of every table; only needed when no hint was found. */
  readonly nftAll?: string;
}

export interface BackendDecision {
  readonly backend: IptablesBackend;
  readonly reason: 'override' | 'nft-hint' | 'legacy-hint' | 'rule-count' | 'default';
  readonly legacyRules?: number;
  readonly nftRules?: number;
}

const KUBELET_CHAINS = /^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY)\s/m;

export function hasKubeletChains(saveText: string): boolean {
  return KUBELET_CHAINS.test(saveText);
}

/** Rule lines (`-A …`) in iptables-save output. */
export function countRules(saveText: string): number {
  let count = 0;
  for (const line of saveText.split('\n')) if (line.startsWith('-')) count += 1;
  return count;
}

/** Pure: the decision from what the save tools reported. */
export function chooseIptablesBackend(evidence: BackendEvidence): BackendDecision {
  if (hasKubeletChains(evidence.nftMangle)) return { backend: 'nft', reason: 'nft-hint' };
  if (hasKubeletChains(evidence.legacyAll)) return { backend: 'legacy', reason: 'legacy-hint' };
  if (evidence.nftAll !== undefined) {
    const legacyRules = countRules(evidence.legacyAll);
    const nftRules = countRules(evidence.nftAll);
    if (legacyRules > nftRules) return { backend: 'legacy', reason: 'rule-count', legacyRules, nftRules };
    if (nftRules > legacyRules) return { backend: 'nft', reason: 'rule-count', legacyRules, nftRules };
  }
  return { backend: 'nft', reason: 'default' };
}

/** stdout of a save tool, or '' when it is missing or fails (detection is best effort, as upstream's). */
async function saveOutput(exec: Exec, file: string, args: readonly string[]): Promise<string> {
  try {
    const result = await exec({ file, args, timeoutMs: 30_000 });
    return result.exitCode === 0 ? result.stdout : '';
  } catch {
    return '';
  }
}

async function bothFamilies(exec: Exec, backend: IptablesBackend, args: readonly string[]): Promise<string> {
  const [v4, v6] = await Promise.all([
    saveOutput(exec, iptablesTools(backend, 'IPv4').save, args),
    saveOutput(exec, iptablesTools(backend, 'IPv6').save, args),
  ]);
  return `${v4}\n${v6}`;
}

/** Gathers the evidence with `exec` (which may run inside a namespace) and decides. */
export async function detectIptablesBackend(exec: Exec, choice: IptablesBackendChoice = 'auto'): Promise<BackendDecision> {
  if (choice !== 'auto') return { backend: choice, reason: 'override' };
  const nftMangle = await bothFamilies(exec, 'nft', ['-t', 'mangle']);
  if (hasKubeletChains(nftMangle)) return chooseIptablesBackend({ nftMangle, legacyAll: '' });
  const legacyAll = await bothFamilies(exec, 'legacy', []);
  if (hasKubeletChains(legacyAll)) return chooseIptablesBackend({ nftMangle, legacyAll });
  const nftAll = await bothFamilies(exec, 'nft', []);
  return chooseIptablesBackend({ nftMangle, legacyAll, nftAll });
}
