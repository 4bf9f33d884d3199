// Turning field errors into printable Problems, and ordering them deterministically.
import type { FieldError } from './field-reader.ts';
import type { ObjectKind, Problem } from './types.ts';
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
