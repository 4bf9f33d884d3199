// Defence in depth: the model validates every field that reaches a rule, and rejects the
// object otherwise. Should anything slip through, the renderer stops (a broken invariant)
// rather than write a word that would split into extra iptables arguments.
import assert from 'node:assert/strict';
import type { ServicePort } from '../../model/types.ts';

/** What must not appear in one iptables word: whitespace, quotes, backslashes, control characters. */
const NOT_IN_WORD = /[\s"'\\\x00-\x1f\x7f]/;

function assertWord(value: string, field: string, servicePort: ServicePort): void {
  assert(value !== '' && !NOT_IN_WORD.test(value), `unrenderable ${field} ${JSON.stringify(value)} in service port ${JSON.stringify(servicePort.servicePortName)}`);
}

function assertPort(value: number, field: string, servicePort: ServicePort, allowZero: boolean): void {
  const valid = Number.isInteger(value) && value <= 65535 && (value >= 1 || (allowZero && value === 0));
  assert(valid, `unrenderable ${field} ${value} in service port ${JSON.stringify(servicePort.servicePortName)}`);
}

export function assertRenderable(servicePort: ServicePort): void {
  assertWord(servicePort.servicePortName, 'name', servicePort);
  assertWord(servicePort.clusterIP, 'clusterIP', servicePort);
  assertPort(servicePort.port, 'port', servicePort, false);
  assertPort(servicePort.nodePort, 'nodePort', servicePort, true);
  assertPort(servicePort.healthCheckNodePort, 'healthCheckNodePort', servicePort, true);
  for (const ip of servicePort.externalIPs) assertWord(ip, 'externalIP', servicePort);
  for (const ip of servicePort.loadBalancerVIPs) assertWord(ip, 'loadBalancer IP', servicePort);
  for (const cidr of servicePort.loadBalancerSourceRanges) assertWord(cidr, 'loadBalancerSourceRange', servicePort);
  if (servicePort.sessionAffinity.type === 'ClientIP') {
    const timeout = servicePort.sessionAffinity.timeoutSeconds;
    assert(Number.isInteger(timeout) && timeout > 0, `unrenderable affinity timeout ${timeout}`);
  }
  for (const endpoint of servicePort.endpoints.allReachable) {
    assertWord(endpoint.endpoint, 'endpoint', servicePort);
    assertWord(endpoint.ip, 'endpoint IP', servicePort);
  }
}
