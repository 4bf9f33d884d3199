import { describe, expect, it } from 'vitest';
import { isKpxError } from '../errors.ts';
import { isExpired, parseStatus, statusToError } from './api-response.ts';

describe('parseStatus / isExpired', () => {
  it.each([
    [{ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 5 (10)' }, true],
    [{ kind: 'Status', code: 410, reason: 'Gone' }, true],
    [
      { kind: 'Status', code: 504, reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] } },
      true,
    ],
    [{ kind: 'Status', code: 500, reason: 'InternalError' }, false],
    ['not a status', false],
  ])('%j → expired %s', (object, expired) => {
    expect(isExpired(parseStatus(object, 500))).toBe(expired);
  });

  it('falls back to the HTTP code and maps to the error codes', () => {
    const status = parseStatus(undefined, 410);
    expect(status).toEqual({ code: 410, reason: '', message: '', causes: [] });
    expect(isKpxError(statusToError(status, {}), 'KPX_ERR_WATCH_EXPIRED')).toBe(true);
    const failed = statusToError(parseStatus({ code: 503, reason: 'ServiceUnavailable', message: 'down' }, 0), { resource: 'services' });
    expect(isKpxError(failed, 'KPX_ERR_WATCH')).toBe(true);
    expect(failed.context).toEqual({ resource: 'services', code: 503, reason: 'ServiceUnavailable', serverMessage: 'down' });
  });
});
