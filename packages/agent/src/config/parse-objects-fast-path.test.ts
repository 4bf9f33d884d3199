// The js-yaml fast path must decode exactly what the `yaml` path decodes, or step aside.
import { describe, expect, it } from 'vitest';
import { decodePlainYAML, MAX_ALIAS_COUNT, parseObjectsText, parseYAMLDocuments } from './parse-objects.ts';

const KUBECTL_LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web","namespace":"default"}}
    creationTimestamp: "2026-11-28T10:00:00Z"
    name: web
    namespace: default
    resourceVersion: "123"
    uid: 0b8f6a2e-0000-4000-8000-000000000001
  spec:
    clusterIP: 10.96.0.10
    clusterIPs:
    - 10.96.0.10
    ipFamilies:
    - IPv4
    ports:
    - name: http
      nodePort: 30080
      port: 80
      protocol: TCP
      targetPort: 8080
    sessionAffinity: None
    type: NodePort
  status:
    loadBalancer: {}
kind: List
metadata:
  resourceVersion: ""
`;

// Scalars whose typing differs between YAML schemas or versions: each must come out the same.
const SCALARS = [
  '0777',
  '0o17',
  '0x1f',
  '0b101',
  '1_000',
  '+12',
  '-0',
  '0.',
  '.5',
  '1e3',
  '+1e-3',
  '.inf',
  '-.Inf',
  '.NaN',
  'NaN',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'yes',
  'on',
  'off',
  'y',
  'null',
  'Null',
  'NULL',
  '~',
  '',
  '12:30:45',
  '2024-01-01',
  '2024-01-01T00:00:00Z',
  '9007199254740993',
  '"\\u00e9\\n"',
  "'it''s'",
  '|\n  lit\n  eral\n',
  '>\n  fol\n  ded\n',
  '=',
  '<<',
  'é',
];

const SAME_AS_YAML = [
  KUBECTL_LIST,
  ...SCALARS.map((scalar) => `k: ${scalar}\n`),
  ...SCALARS.map((scalar) => `- ${scalar}\n`),
  'a: 1\n---\nb: 2\n',
  '---\n---\n',
  '---\na: 1\n...\n---\nb: 2\n---\n',
  '\ufeffa: 1\n',
  'a: 1\r\nb: 2\r\n',
  '<<: {a: 1}\nb: 2\n',
  '__proto__: {polluted: 1}\nx: 1\n',
  '1: a\n2.5: b\ntrue: d\n',
  'a: &x {b: 1}\n',
  '# only a comment\n',
  'just a string',
  'msg: "Hello!"\n',
  'k: "\\/ \\N\\_\\L\\P \\t\\e\\0 \\x41\\u263A"\n',
  "k: 'multi\n  line'\n",
  'k: plain\n  multi\n\n  line\n',
  'k: "a\\\n  b"\n',
  'k: |2\n    indented\n',
  'k: >-\n  a\n\n  b\n',
  '"a: b": c\n',
  'f:metadata:\n  f:labels:\n    .: {}\n    k:{"type":"Ready"}: {}\n',
  'k: v # comment\n',
  'k:\n',
];

describe('the js-yaml fast path', () => {
  it.each(SAME_AS_YAML)('decodes %j exactly as the yaml package does', (text) => {
    const fast = decodePlainYAML(text);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(parseYAMLDocuments(text));
  });

  it.each([
    ['an alias', 'a: &x {b: 1}\nc: *x\n'],
    ['a duplicate key', 'kind: Service\nkind: Node\n'],
    ['a tag', 'k: !!float 1\n'],
    ['a custom tag', 'k: !foo x\n'],
    ['a YAML 1.1 directive (yes would be true)', '%YAML 1.1\n---\na: yes\n'],
    ['a syntax error', 'key: [unclosed'],
    ['nesting deeper than any object', `${'['.repeat(100)}${']'.repeat(100)}`],
    ['a harmless `!` after a space (over-matching costs only speed)', 'msg: hello !world\n'],
  ])('steps aside for %s', (_what, text) => {
    expect(decodePlainYAML(text)).toBeUndefined();
  });

  it('leaves an out-of-range float a string where yaml makes it Infinity (the one known difference)', () => {
    expect(decodePlainYAML('k: 1e400\n')).toEqual([{ value: { k: '1e400' } }]);
    expect(parseYAMLDocuments('k: 1e400\n')).toEqual([{ value: { k: Infinity } }]);
  });
});

describe('parseObjectsText with the fast path', () => {
  it('still refuses an alias bomb, through the yaml path', () => {
    const aliases = Array.from({ length: MAX_ALIAS_COUNT + 1 }, () => '*a').join(', ');
    const { objects, errors } = parseObjectsText(`kind: ConfigMap\nx: &a [1, 2]\ny: [${aliases}]\n`, 'in.yaml');
    expect(objects).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ document: 1, reason: expect.stringMatching(/alias/i) })]);
  });

  it('still rejects duplicate keys naming the document, through the yaml path', () => {
    const text = 'apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Node\nkind: Node\n';
    const { objects, errors } = parseObjectsText(text, 'in.yaml');
    expect(objects).toHaveLength(1);
    expect(errors).toEqual([expect.objectContaining({ document: 2, reason: expect.stringMatching(/unique/) })]);
  });

  it('takes the fast path for a large kubectl List (bench/render/load.bench.ts measures the gain)', () => {
    const item = (index: number): string =>
      `- apiVersion: v1\n  kind: Service\n  metadata:\n    name: svc-${index}\n    namespace: ns\n  spec:\n    clusterIP: 10.0.${index >> 8}.${index & 255}\n    ports:\n    - port: 80\n      protocol: TCP\n`;
    const text = `apiVersion: v1\nitems:\n${Array.from({ length: 2_000 }, (_, index) => item(index)).join('')}kind: List\n`;
    expect(decodePlainYAML(text)).toHaveLength(1);
    const { objects, errors } = parseObjectsText(text, 'big.yaml');
    expect(errors).toEqual([]);
    expect(objects).toHaveLength(2_000);
    expect(objects[1_999]).toMatchObject({ kind: 'Service', metadata: { name: 'svc-1999' }, spec: { ports: [{ port: 80 }] } });
  });
});
