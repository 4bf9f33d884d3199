// Partial syncs: only changed ports' chains are rewritten, a top-level chain only when its
// rules differ, and chains that changed or deleted ports no longer need are deleted. The
// strongest check replays both paths on an in-memory kernel: full(old) then partial(new) must
// leave exactly what full(new) leaves on an empty node.
import { diffStates } from '../../diff/diff-states.ts';
import { describe, expect, it } from 'vitest';
import { planIptables } from './plan.ts';
import { endpointChainName, serviceChainNames } from './chain-names.ts';
import type { DesiredState, ServicePort } from '../../model/types.ts';
import { makeEndpoint, makeServicePort, makeState, type ServicePortDraft } from '../../../../../test/helpers/state-builders.ts';
import { applyRestore, chainRules, declaredChains, type KernelTable } from '../../../../../test/helpers/restore-parse.ts';
import { checkChains } from '../../../../../test/helpers/check-chains.ts';

function port(name: string, mutate: (sp: ServicePortDraft) => void): ServicePort {
  return makeServicePort('ns', name, 'http', (sp) => {
    sp.clusterIP = `172.30.0.${name.charCodeAt(0)}`;
    mutate(sp);
  });
}

const endpoints =
  (...ips: string[]) =>
  (sp: ServicePortDraft) =>
    sp.endpoints.push(...ips.map((ip) => makeEndpoint(ip, 8080)));
const a = port('a', endpoints('10.1.0.1', '10.1.0.2'));
const b = port('b', endpoints('10.2.0.1'));
const before = makeState([a, b]);

function kernelAfter(...texts: string[]): Map<string, KernelTable> {
  const kernel = new Map<string, KernelTable>();
  for (const text of texts) applyRestore(kernel, text);
  return kernel;
}

/**
 * checkChains' problems, less "declared but nothing jumps to it": a partial payload that
 * leaves KUBE-SERVICES as it is writes a service chain whose jump is already in the kernel
 * (the kernel comparison proves it is).
 */
function payloadProblems(text: string, existingChains: Readonly<Record<string, readonly string[]>>): string[] {
  return checkChains(text, { existingChains }).filter((problem) => !problem.endsWith('is declared but nothing jumps to it'));
}

/** The chains a payload declares in a table that are not one service's own. */
function topLevelChainsWritten(text: string, table: string): string[] {
  return declaredChains(text, table).filter((chain) => !/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain));
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
        sp.endpoints.push(
          makeEndpoint('10.1.0.1', 8080, (ep) => (ep.isLocal = true)),
          makeEndpoint('10.1.0.2', 8080),
        );
      }),
      b,
    ]),
  },
  { name: 'nothing changes', after: before },
];

describe('partial plans', () => {
  const full = planIptables(before);

  it.each(transitions)('$name: full(old) + partial(new) leaves what full(new) leaves', ({ after }) => {
    const partial = planIptables(after, diffStates(before, after));
    expect(partial.full).toBe(false);
    expect(payloadProblems(partial.restoreText, full.ownedChains)).toEqual([]);
    expect(kernelAfter(full.restoreText, partial.restoreText)).toEqual(kernelAfter(planIptables(after).restoreText));
    expect(partial.ownedChains).toEqual(planIptables(after).ownedChains);
  });

  it('rewrites only the changed port’s chains when its dispatch rules are unchanged', () => {
    const after = makeState([port('a', endpoints('10.1.0.1')), b]);
    const text = planIptables(after, diffStates(before, after)).restoreText;
    const aChains = serviceChainNames('ns/a:http', 'TCP');
    const bChains = serviceChainNames('ns/b:http', 'TCP');
    const gone = endpointChainName('ns/a:http', 'TCP', '10.1.0.2:8080');
    expect(declaredChains(text, 'nat')).toEqual([aChains.cluster, endpointChainName('ns/a:http', 'TCP', '10.1.0.1:8080'), gone]);
    expect(text).not.toContain('*filter');
    expect(chainRules(text, 'nat', 'KUBE-SERVICES')).toEqual([]);
    expect(chainRules(text, 'nat', bChains.cluster)).toEqual([]);
    expect(text).toContain(`\n-X ${gone}\nCOMMIT\n`);
  });

  it('writes every top-level chain it writes in full: all ports’ rules, and the node ports jump last', () => {
    const after = makeState([port('a', () => {}), b]);
    const text = planIptables(after, diffStates(before, after)).restoreText;
    expect(chainRules(text, 'nat', 'KUBE-SERVICES').map((rule) => rule.split(' -j ')[1])).toEqual([
      serviceChainNames('ns/b:http', 'TCP').cluster,
      'KUBE-NODEPORTS',
    ]);
    const fullFilterServices = chainRules(planIptables(after).restoreText, 'filter', 'KUBE-SERVICES');
    expect(chainRules(text, 'filter', 'KUBE-SERVICES')).toEqual(fullFilterServices);
    expect(fullFilterServices).toHaveLength(1);
  });

  it('writes nothing when nothing changes', () => {
    expect(planIptables(before, diffStates(before, before)).restoreText).toBe('');
  });

  it('counts written and deleted chains', () => {
    const after = makeState([b]);
    const partial = planIptables(after, diffStates(before, after));
    expect(partial.figures).toMatchObject({ chainsWritten: 0, chainsDeleted: 3 });
  });

  it('rewrites everything when the ChangeSet says full', () => {
    const after = makeState([port('a', endpoints('10.1.0.1')), b]);
    const changeSet = { ...diffStates(before, after), full: true };
    expect(planIptables(after, changeSet).restoreText).toBe(planIptables(after).restoreText);
  });
});

interface TopLevelTransition {
  readonly name: string;
  readonly from: DesiredState;
  readonly after: DesiredState;
  /** The top-level chains the partial plan must write, per table. */
  readonly nat: readonly string[];
  readonly filter: readonly string[];
}

const nodePort = (sp: ServicePortDraft) => {
  sp.nodePort = 30080;
  sp.externallyAccessible = true;
};
const localNodePort = (sp: ServicePortDraft) => {
  nodePort(sp);
  sp.externalPolicyLocal = true;
  sp.healthCheckNodePort = 30999;
};
const loadBalancer = (sp: ServicePortDraft) => {
  sp.externallyAccessible = true;
  sp.loadBalancerVIPs = ['203.0.113.7'];
};
const localEndpoint = (ip: string) => makeEndpoint(ip, 8080, (ep) => (ep.isLocal = true));
const withLocal =
  (...ips: string[]) =>
  (sp: ServicePortDraft) =>
    sp.endpoints.push(...ips.map(localEndpoint));

const sourceRanges = (sp: ServicePortDraft) => (sp.loadBalancerSourceRanges = ['192.0.2.0/24']);
const notReady = (ip: string) => (sp: ServicePortDraft) => sp.endpoints.push(makeEndpoint(ip, 8080, (ep) => (ep.ready = false)));
const externalIP = (sp: ServicePortDraft) => {
  sp.externalIPs = ['198.51.100.9'];
  sp.externallyAccessible = true;
};

/** Port `a` of test state, made by applying each step in turn, next to the unchanged `b`. */
const withA = (...steps: ((sp: ServicePortDraft) => void)[]) => makeState([port('a', (sp) => steps.forEach((step) => step(sp))), b]);

const nodePortBefore = withA(nodePort, endpoints('10.1.0.1', '10.1.0.2'));
const localBefore = withA(localNodePort, withLocal('10.1.0.1'), endpoints('10.1.0.2'));
const lbBefore = withA(loadBalancer, endpoints('10.1.0.1'));

const topLevelTransitions: TopLevelTransition[] = [
  {
    name: 'an endpoint is added to a ClusterIP port',
    from: before,
    after: makeState([port('a', endpoints('10.1.0.1', '10.1.0.2', '10.1.0.3')), b]),
    nat: [],
    filter: [],
  },
  {
    name: 'the last endpoint goes away (a REJECT rule appears)',
    from: before,
    after: makeState([port('a', () => {}), b]),
    nat: ['KUBE-SERVICES'],
    filter: ['KUBE-SERVICES'],
  },
  {
    name: 'the first endpoint comes back (the REJECT rule goes)',
    from: withA(),
    after: before,
    nat: ['KUBE-SERVICES'],
    filter: ['KUBE-SERVICES'],
  },
  {
    name: 'an endpoint becomes not ready while another stays',
    from: before,
    after: withA(endpoints('10.1.0.1'), notReady('10.1.0.2')),
    nat: [],
    filter: [],
  },
  {
    name: 'an external IP is added',
    from: before,
    after: withA(externalIP, endpoints('10.1.0.1', '10.1.0.2')),
    nat: ['KUBE-SERVICES'],
    filter: [],
  },
  {
    name: 'a port is added',
    from: before,
    after: makeState([a, b, port('c', endpoints('10.3.0.1'))]),
    nat: ['KUBE-SERVICES'],
    filter: [],
  },
  {
    name: 'a port is deleted',
    from: before,
    after: makeState([b]),
    nat: ['KUBE-SERVICES'],
    filter: [],
  },
  {
    name: 'an endpoint of a NodePort goes away',
    from: nodePortBefore,
    after: withA(nodePort, endpoints('10.1.0.1')),
    nat: [],
    filter: [],
  },
  {
    name: 'the last endpoint of a NodePort goes away',
    from: nodePortBefore,
    after: withA(nodePort),
    nat: ['KUBE-SERVICES', 'KUBE-NODEPORTS'],
    filter: ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'],
  },
  {
    name: 'a Local NodePort loses its last local endpoint (a DROP rule appears)',
    from: localBefore,
    after: withA(localNodePort, endpoints('10.1.0.2')),
    nat: [],
    filter: ['KUBE-EXTERNAL-SERVICES'],
  },
  {
    name: 'a Local NodePort gains a local endpoint',
    from: localBefore,
    after: withA(localNodePort, withLocal('10.1.0.1', '10.1.0.3'), endpoints('10.1.0.2')),
    nat: [],
    filter: [],
  },
  {
    name: 'the health check node port changes',
    from: localBefore,
    after: withA(localNodePort, (sp) => (sp.healthCheckNodePort = 30998), withLocal('10.1.0.1'), endpoints('10.1.0.2')),
    nat: [],
    filter: ['KUBE-NODEPORTS'],
  },
  {
    name: 'load balancer source ranges are added',
    from: lbBefore,
    after: withA(loadBalancer, sourceRanges, endpoints('10.1.0.1')),
    nat: ['KUBE-SERVICES'],
    filter: ['KUBE-PROXY-FIREWALL'],
  },
  {
    name: 'an endpoint of a firewalled load balancer is added',
    from: withA(loadBalancer, sourceRanges, endpoints('10.1.0.1')),
    after: withA(loadBalancer, sourceRanges, endpoints('10.1.0.1', '10.1.0.2')),
    nat: [],
    filter: [],
  },
];

describe('partial plans leave out the top-level chains that cannot have changed', () => {
  it.each(topLevelTransitions)('$name', ({ from, after, nat, filter }) => {
    const full = planIptables(from);
    const partial = planIptables(after, diffStates(from, after));
    expect(partial.full).toBe(false);
    expect(topLevelChainsWritten(partial.restoreText, 'nat')).toEqual(nat);
    expect(topLevelChainsWritten(partial.restoreText, 'filter')).toEqual(filter);
    expect(payloadProblems(partial.restoreText, full.ownedChains)).toEqual([]);
    expect(kernelAfter(full.restoreText, partial.restoreText)).toEqual(kernelAfter(planIptables(after).restoreText));
    expect(partial.ownedChains).toEqual(planIptables(after).ownedChains);
  });
});

describe('periodic partial plans (the syncPeriod ones)', () => {
  it("rewrite every top-level chain, as each of upstream's syncs does, and no service chain when nothing changed", () => {
    const full = planIptables(before);
    const periodic = planIptables(before, { ...diffStates(before, before), periodic: true });
    expect(periodic.full).toBe(false);
    expect(topLevelChainsWritten(periodic.restoreText, 'nat')).toEqual(full.ownedChains.nat.filter((chain) => !/^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain)));
    expect(topLevelChainsWritten(periodic.restoreText, 'filter')).toEqual(full.ownedChains.filter);
    expect(declaredChains(periodic.restoreText, 'nat').filter((chain) => /^KUBE-(SVC|SEP)-/.test(chain))).toEqual([]);
    expect(periodic.jumpRules).toEqual(full.jumpRules);
    // On a kernel where one top-level chain lost its rules, the periodic plan puts them back.
    const tampered = kernelAfter(full.restoreText, '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n');
    applyRestore(tampered, periodic.restoreText);
    expect(tampered).toEqual(kernelAfter(full.restoreText));
  });

  it("still rewrite only the changed ports' own chains", () => {
    const after = makeState([port('a', endpoints('10.1.0.1')), b]);
    const periodic = planIptables(after, { ...diffStates(before, after), periodic: true });
    expect(declaredChains(periodic.restoreText, 'nat').filter((chain) => /^KUBE-SVC-/.test(chain))).toEqual([
      serviceChainNames(a.servicePortName, 'TCP').cluster,
    ]);
    expect(kernelAfter(planIptables(before).restoreText, periodic.restoreText)).toEqual(kernelAfter(planIptables(after).restoreText));
  });
});
