import { describe, expect, it } from 'vitest';
import { recordingExec } from '../../../../../test/helpers/recording-exec.ts';
import { iptablesTools } from '../../netfilter/backend-detect.ts';
import { surveyForFullSync } from './full-sync-survey.ts';
import type { IptablesPlan } from './plan-types.ts';

describe('surveyForFullSync', () => {
  const saved: Record<string, string> = {
    filter: '*filter\n:INPUT ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\nCOMMIT\n',
    nat: [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-AAAA - [0:0]',
      ':KUBE-SVC-GONE - [0:0]',
      ':KUBE-SEP-GONE - [0:0]',
      ':KUBE-SEP-DROPPED - [0:0]',
      ':CNI-DNAT - [0:0]',
      '-A PREROUTING -j KUBE-SERVICES',
      '-A KUBE-SERVICES -j KUBE-SVC-GONE',
      '-A KUBE-SVC-GONE -j KUBE-SEP-GONE',
      'COMMIT',
      '',
    ].join('\n'),
  };
  const plan: IptablesPlan = {
    full: true,
    ipFamily: 'IPv4',
    restoreText:
      '*filter\n:KUBE-SERVICES - [0:0]\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-AAAA - [0:0]\n:KUBE-SEP-DROPPED - [0:0]\n-X KUBE-SEP-DROPPED\nCOMMIT\n',
    ownedChains: { filter: ['KUBE-SERVICES'], nat: ['KUBE-SERVICES', 'KUBE-SVC-AAAA'] },
    jumpRules: [],
    figures: {},
  };

  it("removes kpx chains the plan no longer owns, never kubelet's or other programs', nor those the plan handles itself", async () => {
    const fake = recordingExec((request) => ({ stdout: saved[request.args[1] ?? ''] ?? '' }));
    const { removals, builtinRules } = await surveyForFullSync(fake.exec, iptablesTools('nft', 'IPv4'), plan);
    expect(fake.argv()).toEqual(['iptables-nft-save -t filter', 'iptables-nft-save -t nat']);
    expect(builtinRules).toEqual(new Set(['nat -A PREROUTING -j KUBE-SERVICES']));
    expect(removals.get('filter')).toEqual({ chains: [], unlinkRules: [], keptChains: [] });
    expect(removals.get('nat')).toEqual({ chains: ['KUBE-SEP-GONE', 'KUBE-SVC-GONE'], unlinkRules: [], keptChains: [] });
  });
});
