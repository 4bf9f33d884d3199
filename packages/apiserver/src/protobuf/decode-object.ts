// Decodes a Kubernetes protobuf request body ("k8s\0" + runtime.Unknown envelope) into the
// JSON object it encodes, for the kinds in schemas.ts. Go's encoder writes empty strings,
// zeros and empty messages for unset fields; they are dropped, as JSON's omitempty would. Pure.
import { isJsonObject, type JsonObject, type JsonValue } from '../patch/json-value.ts';
import { OBJECT_SCHEMAS, type FieldSchema, type MessageSchema } from './schemas.ts';
import { decodeFields, WireError, type WireValue } from './wire.ts';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
/** Go's zero time.Time as a protobuf Timestamp. */
const ZERO_TIME_SECONDS = -62135596800n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function isKubernetesProtobuf(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

function text(field: WireValue): string {
  if (field.wireType !== 2) throw new WireError('expected a string');
  return utf8.decode(field.value);
}

function integer(field: WireValue): number {
  if (field.wireType !== 0) throw new WireError('expected a varint');
  return Number(BigInt.asIntN(64, field.value));
}

function bytesOf(field: WireValue): Uint8Array {
  if (field.wireType !== 2) throw new WireError('expected an embedded message');
  return field.value;
}

function time(field: WireValue): string | undefined {
  let seconds = 0n;
  for (const { number, field: part } of decodeFields(bytesOf(field))) if (number === 1 && part.wireType === 0) seconds = BigInt.asIntN(64, part.value);
  if (seconds === ZERO_TIME_SECONDS || seconds === 0n) return undefined;
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function intOrString(field: WireValue): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const { number, field: part } of decodeFields(bytesOf(field))) {
    if (number === 1) type = integer(part);
    else if (number === 2) intVal = integer(part);
    else if (number === 3) strVal = text(part);
  }
  return type === 1 ? strVal : intVal;
}

function mapEntry(field: WireValue): [string, string] {
  let key = '';
  let value = '';
  for (const { number, field: part } of decodeFields(bytesOf(field))) {
    if (number === 1) key = text(part);
    else if (number === 2) value = text(part);
  }
  return [key, value];
}

function decodeValue(schema: FieldSchema, field: WireValue): JsonValue | undefined {
  const type = schema.type;
  switch (type) {
    case 'string':
      return text(field);
    case 'int':
      return integer(field);
    case 'bool':
      return integer(field) !== 0;
    case 'time':
      return time(field);
    case 'intOrString':
      return intOrString(field);
    case 'stringMap':
      return null;
    default:
      return decodeMessage(type.message, bytesOf(field));
  }
}

function isEmpty(value: JsonValue | undefined, schema: FieldSchema): boolean {
  if (value === undefined) return true;
  if (schema.keepZero === true) return false;
  if (value === '' || value === 0 || value === false) return true;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

export function decodeMessage(schema: MessageSchema, bytes: Uint8Array): JsonObject {
  const out: JsonObject = {};
  for (const { number, field } of decodeFields(bytes)) {
    const fieldSchema = schema[number];
    if (fieldSchema === undefined) continue;
    if (fieldSchema.type === 'stringMap') {
      const [key, value] = mapEntry(field);
      const map = (out[fieldSchema.name] ?? {}) as JsonObject;
      map[key] = value;
      out[fieldSchema.name] = map;
      continue;
    }
    const value = decodeValue(fieldSchema, field);
    if (fieldSchema.repeated === true) {
      const list = (out[fieldSchema.name] ?? []) as JsonValue[];
      if (value !== undefined) list.push(value);
      out[fieldSchema.name] = list;
    } else if (!isEmpty(value, fieldSchema)) {
      out[fieldSchema.name] = value as JsonValue;
    }
  }
  return out;
}

/** The JSON object, or an error message for an envelope or kind this server cannot read. */
export function decodeKubernetesProtobuf(bytes: Uint8Array): JsonObject | string {
  if (!isKubernetesProtobuf(bytes)) return 'the body does not start with the Kubernetes protobuf magic number';
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array | undefined;
    for (const { number, field } of decodeFields(bytes.subarray(MAGIC.length))) {
      if (number === 1) {
        for (const { number: typeField, field: value } of decodeFields(bytesOf(field))) {
          if (typeField === 1) apiVersion = text(value);
          else if (typeField === 2) kind = text(value);
        }
      } else if (number === 2) {
        raw = bytesOf(field);
      }
    }
    const schema = OBJECT_SCHEMAS[`${apiVersion}/${kind}`];
    if (schema === undefined || raw === undefined)
      return `protobuf bodies are read here only for ${Object.keys(OBJECT_SCHEMAS).join(', ')} (got ${apiVersion}/${kind})`;
    return { apiVersion, kind, ...decodeMessage(schema, raw) };
  } catch (error) {
    return `the protobuf body cannot be decoded: ${(error as Error).message}`;
  }
}
