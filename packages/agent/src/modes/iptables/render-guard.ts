// Defence in depth: the model validates every field that reaches a rule, and rejects the
// object otherwise. Should anything slip through, the renderer stops (a broken invariant)
// rather than write a word that would split into extra iptables arguments.
// This runs for every endpoint of every full plan, so the checks build their failure
// message only when they fail.
import assert from 'node:assert/strict';
import type { ServicePort } from '../../model/types.ts';

/** What must not appear in one iptables word: whitespace, quotes, backslashes, control characters. */
const NOT_IN_WORD = /[\s"'\\\x00-\x1f\x7f]/;

function unrenderable(what: string, value: unknown, servicePort: ServicePort): never {
  assert.fail(
    `unrenderable ${what} ${typeof value === 'string' ? JSON.stringify(value) : String(value)} in service port ${JSON.stringify(servicePort.servicePortName)}`,
  );
}

/** NOT_IN_WORD by character code for ASCII (cheaper than the regex on 200k words); the regex decides the rest. */
function isWord(value: string): boolean {
  if (value === '') return false;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code <= 0x20 || code === 0x22 || code === 0x27 || code === 0x5c || code === 0x7f) return false;
    if (code > 0x7f) return !NOT_IN_WORD.test(value);
  }
  return true;
}

function assertWord(value: string, field: string, servicePort: ServicePort): void {
  if (!isWord(value)) unrenderable(field, value, servicePort);
}

function assertPort(value: number, field: string, servicePort: ServicePort, allowZero: boolean): void {
  const valid = Number.isInteger(value) && value <= 65535 && (value >= 1 || (allowZero && value === 0));
  if (!valid) unrenderable(field, value, servicePort);
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
    if (!Number.isInteger(timeout) || timeout <= 0) assert.fail(`unrenderable affinity timeout ${timeout}`);
  }
  // Indexed: a `for…of` allocates per element until the JIT optimizes it (see render-endpoint-chains).
  const endpoints = servicePort.endpoints.allReachable;
  for (let index = 0; index < endpoints.length; index++) {
    const endpoint = endpoints[index]!;
    assertWord(endpoint.endpoint, 'endpoint', servicePort);
    assertWord(endpoint.ip, 'endpoint IP', servicePort);
  }
}
