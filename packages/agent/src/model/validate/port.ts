// Port numbers and protocols as the API server validates them.
import type { Protocol } from '../types.ts';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export function isIntegerInRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** 1–65535, integers only (a numeric string is not a port). */
export function isValidPortNumber(value: unknown): value is number {
  return isIntegerInRange(value, 1, 65535);
}

export function isProtocol(value: unknown): value is Protocol {
  return value === 'TCP' || value === 'UDP' || value === 'SCTP';
}
