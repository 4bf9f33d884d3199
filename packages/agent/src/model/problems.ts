// Turning field errors into printable Problems, and ordering them deterministically.
import type { FieldError } from './field-reader.ts';
import type { IPFamily, ObjectKind, Problem } from './types.ts';
import { printableValue } from './validate/printable.ts';

export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly namespace: string;
  readonly name: string;
}

export function makeProblem(severity: Problem['severity'], ref: ObjectRef, error: FieldError): Problem {
  return Object.freeze({
    severity,
    kind: ref.kind,
    namespace: printableValue(ref.namespace),
    name: printableValue(ref.name),
    field: printableValue(error.field),
    value: printableValue(error.value),
    reason: error.reason,
  });
}

export function errorProblems(ref: ObjectRef, errors: readonly FieldError[]): Problem[] {
  return errors.map((error) => makeProblem('error', ref, error));
}

const KIND_ORDER: Readonly<Record<ObjectKind, number>> = { Service: 0, EndpointSlice: 1, Node: 2 };

/** Stable order: by kind, namespace, name; an object's own problems keep their order. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** The reason of an `ignored` note for a part of the other family (a cluster, external or LB IP). */
export function otherFamilyReason(family: IPFamily, served: IPFamily): string {
  return `${family} is not served by this ${served} proxier`;
}

/** The reason of an `ignored` note for a service with no cluster IP of the family served. */
export function noClusterIPOfFamilyReason(served: IPFamily): string {
  return `service has no ${served} cluster IP`;
}

/**
 * Whether `problem`, found by the proxier of `served`, only notes what belongs to the other
 * family: when kpx serves both families, the other family's proxier serves that part.
 */
export function isOtherFamilyNote(problem: Problem, served: IPFamily): boolean {
  if (problem.severity !== 'ignored') return false;
  const other: IPFamily = served === 'IPv4' ? 'IPv6' : 'IPv4';
  return problem.reason === otherFamilyReason(other, served) || problem.reason === noClusterIPOfFamilyReason(served);
}

/**
 * The problems of a dual-stack build: each family's, without the notes on what the other
 * family serves, each problem once (both families see a Service's own errors), sorted.
 */
export function mergeFamilyProblems(perFamily: readonly { readonly ipFamily: IPFamily; readonly problems: readonly Problem[] }[]): Problem[] {
  const seen = new Set<string>();
  const merged: Problem[] = [];
  for (const { ipFamily, problems } of perFamily) {
    for (const problem of problems) {
      if (isOtherFamilyNote(problem, ipFamily)) continue;
      const key = JSON.stringify(problem);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(problem);
    }
  }
  return sortProblems(merged);
}
