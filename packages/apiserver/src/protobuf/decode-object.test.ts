import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './decode-object.ts';

// A minimal protobuf encoder for building test bodies.
function varint(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? byte : byte | 0x80);
  } while (v !== 0n);
  return out;
}
const bytesField = (n: number, payload: number[]): number[] => [...varint(BigInt((n << 3) | 2)), ...varint(BigInt(payload.length)), ...payload];
const stringField = (n: number, text: string): number[] => bytesField(n, [...Buffer.from(text)]);
const intField = (n: number, value: number): number[] => [...varint(BigInt(n << 3)), ...varint(BigInt(value))];
const envelope = (apiVersion: string, kind: string, raw: number[]): Uint8Array =>
  Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...bytesField(1, [...stringField(1, apiVersion), ...stringField(2, kind)]), ...bytesField(2, raw)]);

describe('decodeKubernetesProtobuf', () => {
  it('decodes a Service, dropping the empty fields Go writes', () => {
    const metadata = [
      ...stringField(1, 'web'),
      ...stringField(2, ''),
      ...bytesField(11, [...stringField(1, 'app'), ...stringField(2, 'web')]),
      ...bytesField(8, intField(1, -62135596800)),
    ];
    const port = [
      ...stringField(1, 'http'),
      ...stringField(2, 'TCP'),
      ...intField(3, 80),
      ...bytesField(4, [...intField(1, 0), ...intField(2, 8080)]),
      ...intField(5, 0),
    ];
    const namedPort = [...intField(3, 81), ...bytesField(4, [...intField(1, 1), ...stringField(3, 'web')])];
    const spec = [...bytesField(1, port), ...bytesField(1, namedPort), ...stringField(4, 'ClusterIP'), ...intField(20, 0), ...intField(12, -1)];
    expect(decodeKubernetesProtobuf(envelope('v1', 'Service', [...bytesField(1, metadata), ...bytesField(2, spec)]))).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
          { port: 81, targetPort: 'web' },
        ],
        type: 'ClusterIP',
        allocateLoadBalancerNodePorts: false,
        healthCheckNodePort: -1,
      },
    });
  });

  it.each([
    [Uint8Array.from([1, 2, 3, 4]), /magic number/],
    [envelope('v1', 'Pod', []), /only for v1\/Namespace, v1\/Service \(got v1\/Pod\)/],
    [Uint8Array.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f]), /cannot be decoded: length-delimited field runs past the end/],
  ])('refuses %#', (bytes, message) => {
    expect(decodeKubernetesProtobuf(bytes)).toMatch(message);
  });
});
