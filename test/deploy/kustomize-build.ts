// Builds a kustomization with kubectl's embedded kustomize (`kubectl kustomize DIR`) and
// returns the objects it prints.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

export function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export function buildKustomization(directory: string): KubeObject[] {
  const text = execFileSync('kubectl', ['kustomize', directory], { encoding: 'utf8', timeout: 60_000 });
  return parseAllDocuments(text).map((document, index) => {
    if (document.errors.length > 0) throw new Error(`document ${index} of ${directory}: ${document.errors[0]?.message ?? ''}`);
    const object: unknown = document.toJS();
    if (!isKubeObject(object)) throw new Error(`document ${index} of ${directory} is not a Kubernetes object`);
    return object;
  });
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return typeof apiVersion === 'string' && typeof kind === 'string' && typeof metadata === 'object' && metadata !== null;
}
