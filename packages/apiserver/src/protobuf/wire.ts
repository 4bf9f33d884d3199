// Protocol buffers wire format, decoding only: a message becomes its fields in order. Pure.

export type WireValue =
  | { readonly wireType: 0; readonly value: bigint }
  | { readonly wireType: 2; readonly value: Uint8Array }
  | { readonly wireType: 1 | 5; readonly value: Uint8Array };

export interface WireField {
  readonly number: number;
  readonly field: WireValue;
}

export class WireError extends Error {
  override readonly name = 'WireError';
}

function readVarint(bytes: Uint8Array, start: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = start; i < bytes.length && i < start + 10; i += 1) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new WireError('truncated or overlong varint');
}

export function decodeFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let position = 0;
  while (position < bytes.length) {
    const key = readVarint(bytes, position);
    position = key.next;
    const number = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    if (wireType === 0) {
      const varint = readVarint(bytes, position);
      position = varint.next;
      fields.push({ number, field: { wireType: 0, value: varint.value } });
    } else if (wireType === 2) {
      const length = readVarint(bytes, position);
      const end = length.next + Number(length.value);
      if (end > bytes.length) throw new WireError('length-delimited field runs past the end');
      fields.push({ number, field: { wireType: 2, value: bytes.subarray(length.next, end) } });
      position = end;
    } else if (wireType === 1 || wireType === 5) {
      const end = position + (wireType === 1 ? 8 : 4);
      if (end > bytes.length) throw new WireError('fixed-width field runs past the end');
      fields.push({ number, field: { wireType, value: bytes.subarray(position, end) } });
      position = end;
    } else {
      throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}
