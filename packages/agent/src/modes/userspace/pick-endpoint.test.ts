import { describe, expect, it } from 'vitest';
import type { SessionAffinity } from '../../model/types.ts';
import { createEndpointPicker, ENDPOINT_DIAL_TIMEOUTS_MS, failoverOrder } from './pick-endpoint.ts';
import type { UpstreamEndpoint } from './plan-types.ts';

const ep = (ip: string, port = 80): UpstreamEndpoint => ({ ip, port, endpoint: `${ip}:${port}` });
const A = ep('10.0.0.1');
const B = ep('10.0.0.2');
const C = ep('10.0.0.3');
const NONE: SessionAffinity = { type: 'None' };
const CLIENT_IP: SessionAffinity = { type: 'ClientIP', timeoutSeconds: 10 };

function fakeClock(start = 1_000_000): { now(): number; advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('round robin', () => {
  it.each([
    [[A], 4, ['10.0.0.1:80', '10.0.0.1:80', '10.0.0.1:80', '10.0.0.1:80']],
    [[A, B], 4, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.1:80', '10.0.0.2:80']],
    [[A, B, C], 5, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.1:80', '10.0.0.2:80']],
  ])('cycles over %j', (endpoints, picks, expected) => {
    const picker = createEndpointPicker(endpoints, NONE, fakeClock());
    expect(Array.from({ length: picks }, (_, i) => picker.pick(`192.168.1.${i}`)?.endpoint)).toEqual(expected);
  });

  it('returns undefined without endpoints, and serves new ones at once', () => {
    const picker = createEndpointPicker([], NONE, fakeClock());
    expect(picker.pick('1.1.1.1')).toBeUndefined();
    picker.update([C], NONE);
    expect(picker.pick('1.1.1.1')).toEqual(C);
  });

  it('never picks a removed endpoint', () => {
    const picker = createEndpointPicker([A, B, C], NONE, fakeClock());
    picker.pick('x');
    picker.update([A, C], NONE);
    const picked = Array.from({ length: 6 }, () => picker.pick('x')?.endpoint);
    expect(picked).not.toContain(B.endpoint);
    expect(new Set(picked)).toEqual(new Set([A.endpoint, C.endpoint]));
  });
});

describe('ClientIP affinity', () => {
  it('keeps a client on its endpoint within the timeout, spreads other clients', () => {
    const clock = fakeClock();
    const picker = createEndpointPicker([A, B], CLIENT_IP, clock);
    const first = picker.pick('1.1.1.1');
    for (let i = 0; i < 5; i += 1) {
      clock.advance(9_000);
      expect(picker.pick('1.1.1.1')).toEqual(first);
    }
    expect(picker.pick('2.2.2.2')).not.toEqual(first);
  });

  it('forgets a client after the timeout of inactivity', () => {
    const clock = fakeClock();
    const picker = createEndpointPicker([A, B], CLIENT_IP, clock);
    expect(picker.pick('1.1.1.1')).toEqual(A);
    clock.advance(10_000);
    expect(picker.pick('1.1.1.1')).toEqual(B);
  });

  it('moves a client whose endpoint was removed, and keeps the others', () => {
    const clock = fakeClock();
    const picker = createEndpointPicker([A, B], CLIENT_IP, clock);
    expect(picker.pick('1.1.1.1')).toEqual(A);
    expect(picker.pick('2.2.2.2')).toEqual(B);
    picker.update([B, C], CLIENT_IP);
    expect(picker.pick('2.2.2.2')).toEqual(B);
    expect(picker.pick('1.1.1.1')).not.toEqual(A);
  });

  it('reset moves to another endpoint and sticks to it', () => {
    const picker = createEndpointPicker([A, B], CLIENT_IP, fakeClock());
    expect(picker.pick('1.1.1.1')).toEqual(A);
    expect(picker.pick('1.1.1.1', true)).toEqual(B);
    expect(picker.pick('1.1.1.1')).toEqual(B);
  });

  it('bounds remembered clients: expired ones are swept', () => {
    const clock = fakeClock();
    const picker = createEndpointPicker([A], CLIENT_IP, clock);
    for (let i = 0; i < 1000; i += 1) picker.pick(`10.1.${i >> 8}.${i & 255}`);
    expect(picker.affinityCount()).toBe(1000);
    clock.advance(10_000);
    picker.pick('9.9.9.9');
    expect(picker.affinityCount()).toBe(1);
  });

  it('switching affinity off forgets every client', () => {
    const picker = createEndpointPicker([A, B], CLIENT_IP, fakeClock());
    picker.pick('1.1.1.1');
    picker.update([A, B], NONE);
    expect(picker.affinityCount()).toBe(0);
  });
});

describe('failoverOrder', () => {
  it.each([
    [[A], ['10.0.0.1:80', '10.0.0.1:80', '10.0.0.1:80', '10.0.0.1:80']],
    [
      [A, B],
      ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.1:80', '10.0.0.2:80'],
    ],
    [
      [A, B, C],
      ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.1:80'],
    ],
    [
      [A, B, C, ep('10.0.0.4'), ep('10.0.0.5')],
      ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'],
    ],
    [[], []],
  ])('over %j tries untried endpoints first, one attempt per dial timeout', (endpoints, expected) => {
    const picker = createEndpointPicker(endpoints, NONE, fakeClock());
    const attempts = [...failoverOrder(picker, '1.1.1.1')];
    expect(attempts.map((attempt) => attempt.endpoint.endpoint)).toEqual(expected);
    expect(attempts.map((attempt) => attempt.timeoutMs)).toEqual(ENDPOINT_DIAL_TIMEOUTS_MS.slice(0, expected.length));
  });

  it('skips endpoints other connections made it repeat', () => {
    const picker = createEndpointPicker([A, B, C], NONE, fakeClock());
    const attempts = failoverOrder(picker, '1.1.1.1');
    expect(attempts.next().value?.endpoint).toEqual(A);
    picker.pick('other');
    picker.pick('other');
    // Round robin is back at A, already tried: B comes next.
    expect(attempts.next().value?.endpoint).toEqual(B);
  });

  it('only advances round robin as far as the caller consumed', () => {
    const picker = createEndpointPicker([A, B, C], NONE, fakeClock());
    const attempts = failoverOrder(picker, '1.1.1.1');
    expect(attempts.next().value?.endpoint).toEqual(A);
    expect(picker.pick('other')).toEqual(B);
  });

  it('with affinity, a failed endpoint is replaced for the client', () => {
    const picker = createEndpointPicker([A, B], CLIENT_IP, fakeClock());
    const order = [...failoverOrder(picker, '1.1.1.1')].slice(0, 2).map((attempt) => attempt.endpoint);
    expect(order).toEqual([A, B]);
    expect(picker.pick('1.1.1.1')).toEqual(B);
  });
});
