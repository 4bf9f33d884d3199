// metav1.Status bodies shaped as the real API server writes them, and the error that
// carries one through the request handlers to the response.
import type { ResourceInfo } from './resources.ts';

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly { readonly reason?: string; readonly message?: string; readonly field?: string }[];
  readonly retryAfterSeconds?: number;
}

export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: { readonly continue?: string };
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export class ApiStatusError extends Error {
  readonly status: StatusBody;

  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? `status ${status.code}`);
    this.name = 'ApiStatusError';
    this.status = status;
  }
}

export function failure(code: number, reason: string, message: string, extra: { details?: StatusDetails; continueToken?: string } = {}): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: extra.continueToken === undefined ? {} : { continue: extra.continueToken },
    status: 'Failure',
    message,
    reason,
    ...(extra.details === undefined ? {} : { details: extra.details }),
    code,
  };
}

function resourceDetails(info: ResourceInfo, name: string): StatusDetails {
  return info.group === '' ? { name, kind: info.resource } : { name, group: info.group, kind: info.resource };
}

function qualified(info: ResourceInfo): string {
  return info.group === '' ? info.resource : `${info.resource}.${info.group}`;
}

export function notFound(info: ResourceInfo, name: string): ApiStatusError {
  return new ApiStatusError(failure(404, 'NotFound', `${qualified(info)} "${name}" not found`, { details: resourceDetails(info, name) }));
}

export function alreadyExists(info: ResourceInfo, name: string): ApiStatusError {
  return new ApiStatusError(failure(409, 'AlreadyExists', `${qualified(info)} "${name}" already exists`, { details: resourceDetails(info, name) }));
}

export function conflict(info: ResourceInfo, name: string, why: string): ApiStatusError {
  return new ApiStatusError(
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(info)} "${name}": ${why}`, { details: resourceDetails(info, name) }),
  );
}

export const MODIFIED_CONFLICT = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with field causes, as upstream's errors.NewInvalid formats them. */
export function invalid(kind: string, group: string, name: string, causes: readonly { field: string; message: string; reason: string }[]): ApiStatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new ApiStatusError(
    failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
      details: { name, ...(group === '' ? {} : { group }), kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) },
    }),
  );
}

export function badRequest(message: string): ApiStatusError {
  return new ApiStatusError(failure(400, 'BadRequest', message));
}

export function expired(message: string, continueToken?: string): ApiStatusError {
  return new ApiStatusError(failure(410, 'Expired', message, continueToken === undefined ? {} : { continueToken }));
}

export function pathNotFound(): ApiStatusError {
  return new ApiStatusError(failure(404, 'NotFound', 'the server could not find the requested resource', { details: {} }));
}

export function methodNotAllowed(): ApiStatusError {
  return new ApiStatusError(failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', { details: {} }));
}

export function unsupportedMediaType(contentType: string): ApiStatusError {
  return new ApiStatusError(
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`,
    ),
  );
}

const REASON_FOR_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The Status an injected fault answers with. */
export function injectedFailure(code: number): StatusBody {
  return failure(code, REASON_FOR_CODE[code] ?? 'Unknown', `kpx apiserver: injected fault (HTTP ${code})`);
}
