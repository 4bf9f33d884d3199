// Reading API server responses: bodies, JSON, and non-200 answers turned into KpxErrors
// that carry the server's Status (410 Gone becomes KPX_ERR_WATCH_EXPIRED).
import type { IncomingMessage } from 'node:http';
import { KpxError } from '../errors.ts';
import { isRecord } from '../model/field-reader.ts';

/** The parts of a metav1.Status kpx looks at. */
export interface ApiStatus {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
  /** `details.causes[].reason` values (e.g. ResourceVersionTooLarge). */
  readonly causes: readonly string[];
}

export async function readBody(response: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJsonObject(response: IncomingMessage, context: Record<string, unknown>): Promise<Record<string, unknown>> {
  const body = await readBody(response);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new KpxError('KPX_ERR_WATCH', 'the API server sent a body that is not JSON', {
      cause: error,
      context: { ...context, excerpt: body.subarray(0, 200).toString('utf8') },
    });
  }
  if (!isRecord(parsed)) throw new KpxError('KPX_ERR_WATCH', 'the API server sent JSON that is not an object', { context });
  return parsed;
}

/** Reads a Status out of a watch ERROR event's object or an error response body. */
export function parseStatus(object: unknown, fallbackCode: number): ApiStatus {
  const status = isRecord(object) ? object : {};
  const code = typeof status['code'] === 'number' ? status['code'] : fallbackCode;
  const reason = typeof status['reason'] === 'string' ? status['reason'] : '';
  const message = typeof status['message'] === 'string' ? status['message'] : '';
  const details = status['details'];
  const causes = isRecord(details) && Array.isArray(details['causes']) ? details['causes'] : [];
  return {
    code,
    reason,
    message,
    causes: causes.flatMap((cause: unknown) => (isRecord(cause) && typeof cause['reason'] === 'string' ? [cause['reason']] : [])),
  };
}

/**
 * Whether only a relist can help, as client-go's reflector decides: the version is gone
 * (410 Expired/Gone), or it is newer than the server knows (ResourceVersionTooLarge, after
 * a restore or when talking to a lagging server), where waiting would not converge either.
 */
export function isExpired(status: ApiStatus): boolean {
  return status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone' || status.causes.includes('ResourceVersionTooLarge');
}

export function statusToError(status: ApiStatus, context: Record<string, unknown>): KpxError {
  const fields = { ...context, code: status.code, reason: status.reason, serverMessage: status.message };
  return isExpired(status)
    ? new KpxError('KPX_ERR_WATCH_EXPIRED', 'the resourceVersion is too old', { context: fields })
    : new KpxError('KPX_ERR_WATCH', 'the API server answered with an error', { context: fields });
}

/** Drains a non-200 response (up to 64 KiB) into an error. */
export async function responseError(response: IncomingMessage, context: Record<string, unknown>): Promise<KpxError> {
  const code = response.statusCode ?? 0;
  let body: unknown;
  try {
    body = JSON.parse((await readBody(response, 64 * 1024)).toString('utf8'));
  } catch {
    body = undefined;
  }
  return statusToError(parseStatus(body, code), { ...context, httpStatus: code });
}
