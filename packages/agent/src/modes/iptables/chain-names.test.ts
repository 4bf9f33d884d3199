import { describe, expect, it } from 'vitest';
import { endpointChainName, hashedSuffix, isServiceChainName, serviceChainNames } from './chain-names.ts';

// Chain names that appear literally in upstream's pkg/proxy/iptables/proxier_test.go.
describe('serviceChainNames', () => {
  it.each([
    ['ns1/svc1:p80', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80', 'GNZBNJ2PO5MGZ6GT'],
    ['ns3/svc3:p80', 'X27LE4BHSL4DOUIK'],
    ['ns4/svc4:p80', '4SW47YFZTEDKD3PK'],
    ['ns5/svc5:p80', 'NUKIZ6OKUXPJNT4C'],
  ])('%s over TCP hashes to %s', (servicePortName, hash) => {
    expect(serviceChainNames(servicePortName, 'TCP')).toEqual({
      cluster: `KUBE-SVC-${hash}`,
      local: `KUBE-SVL-${hash}`,
      external: `KUBE-EXT-${hash}`,
      firewall: `KUBE-FW-${hash}`,
    });
  });

  it('hashes the lower-case protocol, so the same port over UDP gets other chains', () => {
    expect(serviceChainNames('ns1/svc1:p80', 'UDP').cluster).not.toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(serviceChainNames('ns1/svc1:p80', 'UDP').cluster).toBe('KUBE-SVC-' + hashedSuffix('ns1/svc1:p80udp'));
  });
});

describe('endpointChainName', () => {
  it.each([
    ['ns1/svc1:p80', '10.180.0.1:80', 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    ['ns2/svc2:p80', '10.180.0.2:80', 'KUBE-SEP-RS4RBKLTHTF2IUXJ'],
    ['ns3/svc3:p80', '10.180.0.3:80', 'KUBE-SEP-OYPFS5VJICHGATKP'],
    ['ns4/svc4:p80', '10.180.0.4:80', 'KUBE-SEP-UKSFD7AGPMPPLUHC'],
    ['ns4/svc4:p80', '10.180.0.5:80', 'KUBE-SEP-C6EBXVWJJZMIWKLZ'],
    ['ns5/svc5:p80', '10.180.0.3:80', 'KUBE-SEP-I77PXRDZVX7PMWMN'],
  ])('%s → %s is %s', (servicePortName, endpoint, chain) => {
    expect(endpointChainName(servicePortName, 'TCP', endpoint)).toBe(chain);
  });

  it('keeps names within iptables’ 28-character limit', () => {
    expect(endpointChainName('a-very-long-namespace/a-very-long-name:port', 'SCTP', '[fd00::1]:8080')).toHaveLength(25);
  });
});

describe('hashedSuffix', () => {
  it('is the first 16 characters of base32(sha256(text))', () => {
    // sha256('') = e3b0c442 98fc1c14 9a…; base32 of those first 10 bytes:
    expect(hashedSuffix('')).toBe('4OYMIQUY7QOBJGX3');
  });
});

describe('isServiceChainName', () => {
  it.each([
    ['KUBE-SVC-XPGD46QRK7WJZT7O', true],
    ['KUBE-SEP-SXIVWICOYRO3J4NJ', true],
    ['KUBE-FW-NUKIZ6OKUXPJNT4C', true],
    ['KUBE-SERVICES', false],
    ['KUBE-FIREWALL', false],
    ['DOCKER', false],
  ])('%s → %s', (chain, expected) => {
    expect(isServiceChainName(chain)).toBe(expected);
  });
});
