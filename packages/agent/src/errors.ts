// Operational failures, as one hierarchy with stable codes. Bad input is not an
// error (it is a model Problem); broken invariants are node:assert failures.

export const ERROR_CODES = {
  KPX_ERR_EXEC: 'an external command could not be run or exited non-zero',
  KPX_ERR_RESTORE: 'iptables-restore rejected or failed to apply a ruleset',
  KPX_ERR_IPVSADM: 'ipvsadm or ipset failed',
  KPX_ERR_WATCH: 'a list or watch against the API server failed',
  KPX_ERR_WATCH_EXPIRED: 'the watched resourceVersion is too old (410 Gone)',
  KPX_ERR_CONFIG: 'the configuration is invalid',
  KPX_ERR_INPUT: 'an input file could not be read or parsed',
  KPX_ERR_UNSUPPORTED: 'the requested feature is not available here',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class KpxError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KpxError';
    this.code = code;
    this.context = options.context ?? {};
  }
}

export function isKpxError(value: unknown, code?: ErrorCode): value is KpxError {
  return value instanceof KpxError && (code === undefined || value.code === code);
}
