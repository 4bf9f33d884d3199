// Partial syncs: only changed ports' chains are rewritten, the top-level chains always are,
// and chains that changed or deleted ports no longer need are deleted. The strongest check
// replays both paths on an in-memory kernel: full(old) then partial(new) must leave exactly
// what full(new) leaves on an empty node.
import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { endpointChainName, serviceChainNames } from './chain-names.ts';
import type { DesiredState, ServicePort } from '../../model/types.ts';
import { makeChangeSet, makeEndpoint, makeServicePort, makeState, type ServicePortDraft } from '../../../test/helpers/state-builders.ts';
import { applyRestore, chainRules, declaredChains, type KernelTable } from '../../../test/helpers/restore-parse.ts';
import { checkChains } from '../../../test/helpers/check-chains.ts';

function port(name: string, mutate: (sp: ServicePortDraft) => void): ServicePort {
  return makeServicePort('ns', name, 'http', (sp) => {
    sp.clusterIP = `172.30.0.${name.charCodeAt(0)}`;
    mutate(sp);
  });
}

const endpoints = (...ips: string[]) => (sp: ServicePortDraft) => sp.endpoints.push(...ips.map((ip) => makeEndpoint(ip, 8080)));
const a = port('a', endpoints('10.1.0.1', '10.1.0.2'));
const b = port('b', endpoints('10.2.0.1'));
const before = makeState([a, b]);

function kernelAfter(...texts: string[]): Map<string, KernelTable> {
  const kernel = new Map<string, KernelTable>();
  for (const text of texts) applyRestore(kernel, text);
  return kernel;
}

interface Transition {
  readonly name: string;
  readonly after: DesiredState;
}

const transitions: Transition[] = [
  { name: 'an endpoint goes away', after: makeState([port('a', endpoints('10.1.0.1')), b]) },
  { name: 'an endpoint is added', after: makeState([port('a', endpoints('10.1.0.1', '10.1.0.2', '10.1.0.3')), b]) },
  { name: 'a port is deleted', after: makeState([b]) },
  { name: 'a port is added', after: makeState([a, b, port('c', endpoints('10.3.0.1'))]) },
  { name: 'the last endpoint goes away', after: makeState([port('a', () => {}), b]) },
  { name: 'the protocol changes', after: makeState([port('a', (sp) => ((sp.protocol = 'UDP'), endpoints('10.1.0.1')(sp))), b]) },
  {
    name: 'the port becomes a Local NodePort',
    after: makeState([
      port('a', (sp) => {
        sp.nodePort = 30080;
        sp.externalPolicyLocal = true;
        sp.endpoints.push(makeEndpoint('10.1.0.1', 8080, (ep) => (ep.isLocal = true)), makeEndpoint('10.1.0.2', 8080));
      }),
      b,
    ]),
  },
  { name: 'nothing changes', after: before },
];

describe('partial plans', () => {
  const full = planIptables(before);

  it.each(transitions)('$name: full(old) + partial(new) leaves what full(new) leaves', ({ after }) => {
    const partial = planIptables(after, makeChangeSet(before, after));
    expect(partial.full).toBe(false);
    expect(checkChains(partial.restoreText, { existingChains: full.ownedChains })).toEqual([]);
    expect(kernelAfter(full.restoreText, partial.restoreText)).toEqual(kernelAfter(planIptables(after).restoreText));
    expect(partial.ownedChains).toEqual(planIptables(after).ownedChains);
  });

  it('rewrites only the changed port’s chains, but every top-level chain', () => {
    const after = makeState([port('a', endpoints('10.1.0.1')), b]);
    const text = planIptables(after, makeChangeSet(before, after)).restoreText;
    const aChains = serviceChainNames('ns/a:http', 'TCP');
    const bChains = serviceChainNames('ns/b:http', 'TCP');
    const gone = endpointChainName('ns/a:http', 'TCP', '10.1.0.2:8080');
    expect(declaredChains(text, 'nat')).toEqual([
      'KUBE-SERVICES',
      'KUBE-NODEPORTS',
      'KUBE-POSTROUTING',
      'KUBE-MARK-MASQ',
      aChains.cluster,
      endpointChainName('ns/a:http', 'TCP', '10.1.0.1:8080'),
      gone,
    ]);
    expect(declaredChains(text, 'filter')).toEqual(declaredChains(full.restoreText, 'filter'));
    expect(chainRules(text, 'nat', 'KUBE-SERVICES').map((rule) => rule.split(' -j ')[1])).toEqual([
      aChains.cluster,
      bChains.cluster,
      'KUBE-NODEPORTS',
    ]);
    expect(chainRules(text, 'nat', bChains.cluster)).toEqual([]);
    expect(text).toContain(`\n-X ${gone}\nCOMMIT\n`);
  });

  it('counts written and deleted chains', () => {
    const after = makeState([b]);
    const partial = planIptables(after, makeChangeSet(before, after));
    expect(partial.figures).toMatchObject({ chainsWritten: 0, chainsDeleted: 3 });
  });

  it('rewrites everything when the ChangeSet says full', () => {
    const after = makeState([port('a', endpoints('10.1.0.1')), b]);
    const changeSet = { ...makeChangeSet(before, after), full: true };
    expect(planIptables(after, changeSet).restoreText).toBe(planIptables(after).restoreText);
  });
});
