import { describe, expect, it } from 'vitest';
import { formatLoadError, parseObjectsText } from './parse-objects.ts';

const kinds = (text: string): string[] => parseObjectsText(text, 'in.yaml').objects.map((object) => `${String(object.apiVersion)} ${String(object.kind)}`);
const errors = (text: string): string[] => parseObjectsText(text, 'in.yaml').errors.map(formatLoadError);

// What `kubectl get svc,endpointslices,nodes -A -o yaml` prints: one List whose items carry kind and apiVersion.
const KUBECTL_LIST = `apiVersion: v1
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: kubernetes
    namespace: default
  spec:
    clusterIP: 10.96.0.1
    ports:
    - name: https
      port: 443
      protocol: TCP
      targetPort: 6443
    type: ClusterIP
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata:
    labels:
      kubernetes.io/service-name: kubernetes
    name: kubernetes
    namespace: default
  addressType: IPv4
  endpoints:
  - addresses:
    - 172.18.0.2
    conditions:
      ready: true
  ports:
  - name: https
    port: 6443
    protocol: TCP
- apiVersion: v1
  kind: Node
  metadata:
    name: kind-control-plane
  status:
    addresses:
    - address: 172.18.0.2
      type: InternalIP
kind: List
metadata:
  resourceVersion: ""
`;

describe('parseObjectsText', () => {
  it('expands a kubectl List', () => {
    expect(kinds(KUBECTL_LIST)).toEqual(['v1 Service', 'discovery.k8s.io/v1 EndpointSlice', 'v1 Node']);
    expect(errors(KUBECTL_LIST)).toEqual([]);
  });

  it('expands the same List printed as JSON', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } }] });
    expect(kinds(json)).toEqual(['v1 Service']);
  });

  it('gives the items of a typed list (as the API returns it) their kind and apiVersion', () => {
    const text =
      'apiVersion: discovery.k8s.io/v1\nkind: EndpointSliceList\nmetadata: {resourceVersion: "5"}\nitems:\n- metadata: {name: a}\n- metadata: {name: b}\n';
    expect(kinds(text)).toEqual(['discovery.k8s.io/v1 EndpointSlice', 'discovery.k8s.io/v1 EndpointSlice']);
  });

  it('reads multi-document YAML, skipping empty documents', () => {
    const text = '---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n---\n';
    expect(kinds(text)).toEqual(['v1 Service', 'v1 Node']);
    expect(errors(text)).toEqual([]);
  });

  it('reports each bad document with its number and keeps the good ones', () => {
    const text = [
      'apiVersion: v1\nkind: Service\nmetadata: {name: ok}',
      'just a string',
      '- a\n- list',
      'apiVersion: v1\nmetadata: {name: no-kind}',
      'key: [unclosed',
      'apiVersion: v1\nkind: List\nitems: [42, {apiVersion: v1, kind: Node, metadata: {name: n}}]',
      'apiVersion: v1\nkind: Service\nmetadata: {name: dup}\nmetadata: {name: dup2}',
    ].join('\n---\n');
    expect(kinds(text)).toEqual(['v1 Service', 'v1 Node']);
    expect(errors(text)).toEqual([
      'in.yaml: document 2: is not an object (got string)',
      'in.yaml: document 3: is not an object (got a list)',
      'in.yaml: document 4: has no kind',
      // A syntax error names its line and column in the whole stream: where the parser stopped.
      'in.yaml:14:1: document 5: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'in.yaml: document 6: items[0]: is not an object',
      'in.yaml:22:1: document 7: not valid YAML: Map keys must be unique',
    ]);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const bomb = `apiVersion: v1\nkind: ConfigMap\n${levels.join('\n')}\n`;
    const started = performance.now();
    expect(kinds(bomb)).toEqual([]);
    expect(errors(bomb)).toEqual([expect.stringMatching(/^in\.yaml: document 1: cannot be decoded: .*alias/i)]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('survives deeply nested input', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseObjectsText(deep, 'deep.json')).not.toThrow();
    expect(parseObjectsText(deep, 'deep.json').objects).toEqual([]);
  });

  it.each(['', '\n', '# only a comment\n', 'null'])('an empty source %j gives nothing and no error', (text) => {
    expect(parseObjectsText(text, 'in.yaml')).toEqual({ objects: [], errors: [] });
  });
});

describe('parseObjectsText: the document budget', () => {
  const service = (name: string) => `kind: Service\nmetadata: {name: ${name}}\n`;

  it.each<[string, string, number, number, string[]]>([
    ['a cut stream within the budget', `${service('a')}---\n${service('b')}---\n`, 3, 0, ['a', 'b']],
    ['a cut stream over it: refused before any document is decoded', `${service('a')}---\n${service('b')}`, 1, 1, []],
    ['a stream not cut (a directive) over it: refused at the first document past it', `%YAML 1.2\n---\n${service('a')}---\n${service('b')}`, 1, 1, ['a']],
  ])('%s', (_, text, documents, refused, names) => {
    const budget = { documents };
    const { objects, errors } = parseObjectsText(text, 'in.yaml', budget);
    expect(objects.map((object) => (object.metadata as { name: string }).name)).toEqual(names);
    expect(errors.filter((error) => error.unreadable)).toHaveLength(refused);
    if (refused > 0) expect(formatLoadError(errors[0]!)).toBe('in.yaml: more than 1000000 documents in all, the most kpx reads (empty ones count)');
  });

  it('spends the budget across sources, empty documents included', () => {
    const budget = { documents: 4 };
    expect(parseObjectsText('---\n---\n---\n', 'a.yaml', budget).errors).toEqual([]);
    expect(budget.documents).toBe(1);
    expect(parseObjectsText(`${service('a')}---\n${service('b')}`, 'b.yaml', budget).errors).toEqual([
      expect.objectContaining({ source: 'b.yaml', unreadable: true }),
    ]);
  });

  it('numbers documents as the whole-stream decoders do, errors included', () => {
    const text = `# header\n---\n${service('a')}---\n---\nkind: [\n---\n${service('b')}`;
    expect(parseObjectsText(text, 'in.yaml').objects.map((object) => (object.metadata as { name: string }).name)).toEqual(['a', 'b']);
    expect(parseObjectsText(text, 'in.yaml').errors.map(formatLoadError)).toEqual([
      'in.yaml:8:1: document 3: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });
});
