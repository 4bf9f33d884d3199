// Offline validation of an object against the Kubernetes API schemas, in two parts:
// - the OpenAPI-derived JSON schemas that kubernetes-models ships as precompiled validators
//   (types, required fields, enums; Kubernetes 1.34 API);
// - unknown fields, which those schemas allow (the API's OpenAPI does not forbid them) but
//   `kubectl apply --validate=strict` and the API server's strict field validation reject:
//   every field is looked up in @kubernetes/client-node's generated models, whose attribute
//   maps are generated from the same OpenAPI document.
import * as kubernetesClient from '@kubernetes/client-node';

type SchemaValidator = ((data: unknown) => boolean) & { errors?: readonly SchemaError[] | null };
interface SchemaError {
  readonly instancePath: string;
  readonly message?: string;
  readonly keyword: string;
  readonly params?: unknown;
}
interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { getAttributeTypeMap(): readonly Attribute[] };

/** `apps/v1` + `DaemonSet` → `IoK8sApiAppsV1DaemonSet`, the schema's name in the OpenAPI document. */
export function schemaName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['core', apiVersion];
  const groupWord =
    (group ?? '')
      .replace(/\.k8s\.io$/, '')
      .replace(/\.authorization$/, '')
      .split('.')[0] ?? '';
  return `IoK8sApi${capitalize(groupWord)}${capitalize(version ?? '')}${kind}`;
}

/** Every schema violation and unknown field of `object`, as `path: message` lines. */
export async function schemaErrors(object: { readonly apiVersion: string; readonly kind: string; readonly [field: string]: unknown }): Promise<string[]> {
  const name = schemaName(object.apiVersion, object.kind);
  let validate: SchemaValidator;
  try {
    ({ validate } = (await import(`kubernetes-models/_schemas/${name}`)) as { validate: SchemaValidator });
  } catch {
    return [`(object): no schema ${name} for ${object.apiVersion} ${object.kind}`];
  }
  const errors: string[] = [];
  if (!validate(object)) {
    for (const error of validate.errors ?? []) errors.push(`${error.instancePath || '(object)'}: ${describeError(error)}`);
  }
  const rootModel = `V1${object.kind}`;
  if (modelClass(rootModel) === undefined) errors.push(`(object): no client model ${rootModel} to check field names against`);
  else unknownFields(object, rootModel, '', errors, true);
  return errors;
}

function modelClass(typeName: string): ModelClass | undefined {
  const candidate = (kubernetesClient as unknown as Record<string, unknown>)[typeName];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate ? (candidate as unknown as ModelClass) : undefined;
}

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function unknownFields(value: unknown, typeName: string, path: string, errors: string[], isRoot = false): void {
  if (value === null || value === undefined) return;
  const arrayOf = ARRAY.exec(typeName)?.[1];
  if (arrayOf !== undefined) {
    if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, arrayOf, `${path}/${index}`, errors));
    return;
  }
  const mapOf = MAP.exec(typeName)?.[1];
  if (mapOf !== undefined) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) unknownFields(item, mapOf, `${path}/${key}`, errors);
    return;
  }
  const model = modelClass(typeName);
  if (model === undefined || typeof value !== 'object' || Array.isArray(value)) return; // a scalar, IntOrString, any
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value)) {
    const type = attributes.get(key);
    if (type === undefined) {
      if (!(isRoot && (key === 'apiVersion' || key === 'kind'))) errors.push(`${path}/${key}: unknown field in ${typeName}`);
      continue;
    }
    unknownFields(item, type, `${path}/${key}`, errors);
  }
}

/** The validators are compiled without messages: say what each keyword means. */
function describeError(error: SchemaError): string {
  const params = (error.params ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required field ${String(params['missingProperty'])}`;
    case 'type':
      return `must be ${String(params['type'])}`;
    case 'enum':
      return `must be one of ${JSON.stringify(params['allowedValues'])}`;
    default:
      return `${error.message ?? error.keyword} ${JSON.stringify(params)}`;
  }
}

function capitalize(word: string): string {
  return word.slice(0, 1).toUpperCase() + word.slice(1);
}
