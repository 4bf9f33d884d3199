import { describe, expect, it } from 'vitest';
import { diffStates } from '../../diff/diff-states.ts';
import { createNftablesPlanner } from './plan.ts';
import { formatNftablesPlan } from './format.ts';
import { assertAddress, assertEndpoint, assertNftName, quoteComment, quoteInterface } from './nft-text.ts';
import { makeEndpoint, makeNodeContext, makeServicePort, makeState } from '../../../../../test/helpers/state-builders.ts';
import type { ServicePort } from '../../model/types.ts';

const web = (ips: readonly string[], mutate?: (port: Parameters<Parameters<typeof makeServicePort>[3] & object>[0]) => void): ServicePort =>
  makeServicePort('ns1', 'web', 'http', (port) => {
    port.clusterIP = '172.30.0.41';
    port.nodePort = 30080;
    port.endpoints = ips.map((ip) => makeEndpoint(ip, 8080));
    mutate?.(port);
  });
const dns = makeServicePort('ns1', 'dns', 'dns', (port) => {
  port.clusterIP = '172.30.0.10';
  port.protocol = 'UDP';
  port.port = 53;
  port.endpoints = [makeEndpoint('10.180.0.9', 53)];
});

describe('full plan', () => {
  it('is deterministic and starts with the table header', () => {
    const state = makeState([web(['10.180.0.1', '10.180.0.2']), dns]);
    const text = formatNftablesPlan(createNftablesPlanner({})(state));
    expect(formatNftablesPlan(createNftablesPlanner({})(state))).toBe(text);
    expect(text.split('\n').slice(1, 3)).toEqual(['add table ip kube-proxy { comment "rules for kube-proxy" ; }', 'flush table ip kube-proxy']);
  });

  it('names the table after --service-proxy-name', () => {
    const text = formatNftablesPlan(createNftablesPlanner({ tableName: 'kpx' })(makeState([dns])));
    expect(
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .every((line) => / ip kpx /.test(`${line} `)),
    ).toBe(true);
  });

  it.each([
    [false, true],
    [true, false],
  ])('tcpBeLiberal %s → ct state invalid drop %s', (tcpBeLiberal, drops) => {
    const text = formatNftablesPlan(createNftablesPlanner({ tcpBeLiberal })(makeState([dns])));
    expect(text.includes('add rule ip kube-proxy filter-forward ct state invalid drop')).toBe(drops);
  });

  it('drops traffic to unallocated service CIDR addresses only when service CIDRs are known', () => {
    const withCIDRs = formatNftablesPlan(createNftablesPlanner({ serviceCIDRs: ['172.30.0.0/16'] })(makeState([dns])));
    expect(withCIDRs).toContain('cluster-ips-check ip daddr { 172.30.0.0/16 } drop');
    expect(formatNftablesPlan(createNftablesPlanner({})(makeState([dns])))).not.toContain('Drop traffic to unallocated');
  });

  it('lets the first of two ports claiming one external IP win instead of failing the transaction', () => {
    const a = makeServicePort('ns1', 'a', 'http', (port) => {
      port.clusterIP = '172.30.0.1';
      port.externalIPs = ['192.0.2.1'];
      port.endpoints = [makeEndpoint('10.180.0.1', 80)];
    });
    const b = makeServicePort('ns1', 'b', 'http', (port) => {
      port.clusterIP = '172.30.0.2';
      port.externalIPs = ['192.0.2.1'];
      port.endpoints = [makeEndpoint('10.180.0.2', 80)];
    });
    const text = formatNftablesPlan(createNftablesPlanner({})(makeState([a, b])));
    expect(text.match(/192\.0\.2\.1 \. tcp \. 80 : /g)).toHaveLength(1);
    // The endpoint entry under that IP is the first port's too, not one of each.
    expect(text.match(/192\.0\.2\.1 \. 80 \. 0 : [0-9.]+ \. 80/g)).toEqual(['192.0.2.1 . 80 . 0 : 10.180.0.1 . 80']);
  });
});

describe('partial plan', () => {
  it('turns one endpoint removal into element changes and no table statement', () => {
    const plan = createNftablesPlanner({});
    const before = makeState([web(['10.180.0.1', '10.180.0.2', '10.180.0.3']), dns]);
    const after = makeState([web(['10.180.0.1', '10.180.0.2']), dns]);
    plan(before);
    const partial = plan(after, diffStates(before, after));
    expect(partial.full).toBe(false);
    const text = formatNftablesPlan(partial);
    expect(text).not.toMatch(/^[^#].*table/m);
    expect(text).toContain('delete element ip kube-proxy cluster-endpoints-tcp { 172.30.0.41 . 80 . 2 }');
    expect(text).not.toContain('hairpin');
    // The dispatch chain it points at, for a dataplane that lacks it.
    expect(partial.sharedChains.map((chain) => chain.name)).toEqual(['cluster-endpoints-tcp-2', 'nodeport-external-endpoints-tcp-2']);
    expect(text).toContain('add element ip kube-proxy service-ips { 172.30.0.41 . tcp . 80 : goto cluster-endpoints-tcp-2 }');
    expect(text).not.toContain('10.180.0.9');
  });

  it('keeps a cluster IP another port of the service still uses, and deletes it with the last one', () => {
    const plan = createNftablesPlanner({});
    const https = makeServicePort('ns1', 'web', 'https', (port) => {
      port.clusterIP = '172.30.0.41';
      port.port = 443;
      port.endpoints = [makeEndpoint('10.180.0.1', 8443)];
    });
    const both = makeState([web(['10.180.0.1']), https]);
    const one = makeState([https]);
    const none = makeState([]);
    expect(formatNftablesPlan(plan(one, diffStates(both, one)))).not.toContain('delete element ip kube-proxy cluster-ips');
    expect(formatNftablesPlan(plan(none, diffStates(one, none)))).toContain('delete element ip kube-proxy cluster-ips { 172.30.0.41 }');
  });

  it('deletes the chains and affinity sets of an affinity service that went away, after flushing them', () => {
    const plan = createNftablesPlanner({});
    const sticky = web(['10.180.0.1'], (port) => {
      port.sessionAffinity = { type: 'ClientIP', timeoutSeconds: 600 };
    });
    const before = makeState([sticky]);
    const after = makeState([]);
    const lines = formatNftablesPlan(plan(after, diffStates(before, after))).split('\n');
    const flush = lines.findIndex((line) => line.startsWith('flush chain ip kube-proxy endpoint-'));
    const remove = lines.findIndex((line) => line.startsWith('delete chain ip kube-proxy endpoint-'));
    const set = lines.findIndex((line) => line.startsWith('delete set ip kube-proxy affinity-'));
    expect(flush).toBeGreaterThanOrEqual(0);
    expect(remove).toBeGreaterThan(flush);
    expect(set).toBeGreaterThan(remove);
  });
});

describe('text guards', () => {
  it.each(['a"; flush ruleset; "', 'x\nadd rule', 'x\\', 'é'])('refuses to quote comment %j', (text) => {
    expect(() => quoteComment(text)).toThrow();
  });
  // Inside nft's double quotes braces, semicolons and `#` are plain text (checked with nft 1.0.6).
  it.each(['ns1/web:http', 'short-circuit pod traffic', 'a#b', 'c } ; delete table ip kube-proxy ; {'])('quotes comment %j', (text) => {
    expect(quoteComment(text)).toBe(`"${text}"`);
  });
  it.each(['bad name', 'x;y', '-x', 'a{b', 'a#b', ''])('refuses nft name %j', (name) => {
    expect(() => assertNftName(name)).toThrow();
  });
  it.each(['10.0.0.1; drop', '10.0.0.1 }', '1.2.3.4\n'])('refuses address %j', (text) => {
    expect(() => assertAddress(text)).toThrow();
  });
  it.each(['10.0.0.1:80 ; drop', '[::1]:80}'])('refuses endpoint %j', (text) => {
    expect(() => assertEndpoint(text)).toThrow();
  });
  it.each(['eth0"', 'br0 ; drop', 'veth\n'])('refuses interface %j', (name) => {
    expect(() => quoteInterface(name)).toThrow();
  });
  it('puts a service port name into nft text only as a quoted comment', () => {
    const text = formatNftablesPlan(
      createNftablesPlanner({})(
        makeState([
          makeServicePort('ns1', 'empty', 'p', (port) => {
            port.clusterIP = '172.30.0.99';
          }),
        ]),
      ),
    );
    expect(text).toContain('comment "ns1/empty:p" : goto reject-chain');
  });
});

it('defaults node ports to the primary node IP (upstream nftables)', () => {
  const node = makeNodeContext((context) => {
    context.nodeIPs = ['192.168.0.2', '192.168.0.3'];
  });
  const text = formatNftablesPlan(createNftablesPlanner({})(makeState([dns], node)));
  expect(text.split('\n').filter((line) => line.startsWith('add element ip kube-proxy nodeport-ips'))).toEqual([
    'add element ip kube-proxy nodeport-ips { 192.168.0.2 }',
  ]);
});
