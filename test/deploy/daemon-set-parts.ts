// Typed access to the parts of a built DaemonSet that the deploy tests look at.
import type { KubeObject } from './kustomize-build.ts';

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string } };
}
export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly livenessProbe?: { readonly httpGet?: { readonly path: string; readonly port: number | string } };
  readonly resources?: { readonly requests?: Record<string, string> };
  readonly securityContext?: {
    readonly privileged?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}
export interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly hostPath?: { readonly path: string; readonly type?: string };
}
export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly priorityClassName?: string;
  readonly serviceAccountName?: string;
  readonly tolerations?: readonly { readonly key?: string; readonly operator?: string; readonly effect?: string }[];
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
}
export interface DaemonSet extends KubeObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly template: { readonly metadata: { readonly labels: Record<string, string> }; readonly spec: PodSpec };
  };
}
export interface ConfigMap extends KubeObject {
  readonly data: Record<string, string>;
}
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

export function onlyOne<T extends KubeObject>(objects: readonly KubeObject[], kind: string): T {
  const matching = objects.filter((object) => object.kind === kind);
  if (matching.length !== 1) throw new Error(`expected one ${kind}, found ${matching.length}`);
  return matching[0] as T;
}

/** Kubernetes' `$(VAR)` expansion of container args, from the container's own env. */
export function expandArgs(container: Container, fieldValues: Readonly<Record<string, string>>): string[] {
  const values = new Map<string, string>();
  for (const variable of container.env ?? []) {
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    const value = variable.value ?? (fieldPath === undefined ? undefined : fieldValues[fieldPath]);
    if (value !== undefined) values.set(variable.name, value);
  }
  return (container.args ?? []).map((arg) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => values.get(name) ?? whole));
}

/** `host:port` → port. */
export function portOf(hostPort: string): number {
  return Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
}
