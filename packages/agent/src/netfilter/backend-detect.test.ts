import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { chooseIptablesBackend, countRules, detectIptablesBackend, iptablesTools, type BackendEvidence } from './backend-detect.ts';

const HINT_MANGLE = '*mangle\n:PREROUTING ACCEPT [0:0]\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n';
const CANARY = '*mangle\n:KUBE-KUBELET-CANARY - [0:0]\nCOMMIT\n';
const rules = (n: number): string => `*filter\n:INPUT ACCEPT [0:0]\n${'-A INPUT -j ACCEPT\n'.repeat(n)}COMMIT\n`;

describe('chooseIptablesBackend', () => {
  it.each<[string, BackendEvidence, string, string]>([
    ['nft hint wins over legacy rules', { nftMangle: HINT_MANGLE, legacyAll: rules(50) }, 'nft', 'nft-hint'],
    ['kubelet canary in legacy', { nftMangle: '', legacyAll: CANARY, nftAll: rules(50) }, 'legacy', 'legacy-hint'],
    ['more legacy rules', { nftMangle: '', legacyAll: rules(12), nftAll: rules(3) }, 'legacy', 'rule-count'],
    ['more nft rules', { nftMangle: '', legacyAll: rules(1), nftAll: rules(3) }, 'nft', 'rule-count'],
    ['nothing anywhere', { nftMangle: '', legacyAll: '', nftAll: '' }, 'nft', 'default'],
    ['a chain merely containing the hint name', { nftMangle: ':MY-KUBE-IPTABLES-HINT - [0:0]\n', legacyAll: '' }, 'nft', 'default'],
  ])('%s', (_name, evidence, backend, reason) => {
    expect(chooseIptablesBackend(evidence)).toMatchObject({ backend, reason });
  });

  it('counts only rule lines', () => {
    expect(countRules(`# comment\n${rules(4)}`)).toBe(4);
  });
});

describe('detectIptablesBackend', () => {
  it('runs nothing when overridden', async () => {
    const fake = recordingExec();
    expect(await detectIptablesBackend(fake.exec, 'legacy')).toEqual({ backend: 'legacy', reason: 'override' });
    expect(fake.calls).toHaveLength(0);
  });

  it('reads nft mangle first and never asks legacy for -t mangle', async () => {
    const fake = recordingExec((request) => (request.file === 'iptables-legacy-save' ? { stdout: CANARY } : undefined));
    expect(await detectIptablesBackend(fake.exec)).toMatchObject({ backend: 'legacy', reason: 'legacy-hint' });
    expect(fake.argv()).toEqual(['iptables-nft-save -t mangle', 'ip6tables-nft-save -t mangle', 'iptables-legacy-save', 'ip6tables-legacy-save']);
  });

  it('treats a missing or failing tool as no evidence', async () => {
    const fake = recordingExec((request) => {
      if (request.file.startsWith('ip6tables')) throw new Error('not installed');
      return request.file === 'iptables-legacy-save' ? { exitCode: 1, stdout: CANARY } : undefined;
    });
    expect(await detectIptablesBackend(fake.exec)).toMatchObject({ backend: 'nft', reason: 'default' });
  });
});

it('names the tools of each backend and family', () => {
  expect(iptablesTools('legacy', 'IPv6')).toEqual({
    backend: 'legacy',
    iptables: 'ip6tables-legacy',
    save: 'ip6tables-legacy-save',
    restore: 'ip6tables-legacy-restore',
  });
});
