import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.ts';
import { formatComponentJson, formatKlogText, type LogRecord } from './log-format.ts';

// 2024-12-04 18:00:00.000123 in the test process's local time zone.
const time = new Date(2024, 11, 4, 18, 0, 0, 0).getTime() + 0.123;

const record = (level: number, fields: Record<string, unknown> = {}): LogRecord => ({ level, time, msg: 'Using iptables Proxier', fields });

describe('klog text', () => {
  it('has klog header (severity, mmdd, local time to the microsecond, pid right-aligned in 7, the caller stand-in) and quoted structured pairs', () => {
    expect(formatKlogText(record(30, { ipFamily: 'IPv4', count: 3, full: true }), 12345)).toBe(
      'I1204 18:00:00.000123   12345 kpx:0] "Using iptables Proxier" ipFamily="IPv4" count=3 full=true\n',
    );
  });

  it('marks warnings W and errors E, puts err first as klog Error(), escapes newlines and quotes', () => {
    expect(formatKlogText(record(40), 1)).toMatch(/^W1204 18:00:00\.000123       1 kpx:0\] /);
    const line = formatKlogText(record(50, { node: 'n1', err: { type: 'Error', message: 'boom\n"x"', stack: '…' } }), 7);
    expect(line).toBe('E1204 18:00:00.000123       7 kpx:0] "Using iptables Proxier" err="boom\\n\\"x\\"" node="n1"\n');
  });

  it('prints objects as JSON and null as <nil>', () => {
    expect(formatKlogText(record(20, { addresses: ['10.0.0.1'], previous: null }), 1)).toContain('addresses=["10.0.0.1"] previous=<nil>');
  });
});

describe("component-base's JSON", () => {
  it('has ts (ms, fractional), caller, msg and v first, then the fields', () => {
    expect(formatComponentJson(record(30, { ipFamily: 'IPv4' }))).toBe(
      `{"ts":${time},"caller":"kpx:0","msg":"Using iptables Proxier","v":0,"ipFamily":"IPv4"}\n`,
    );
    expect(JSON.parse(formatComponentJson(record(20)))).toMatchObject({ v: 2 });
    expect(JSON.parse(formatComponentJson(record(10)))).toMatchObject({ v: 4 });
  });

  it('gives errors an err text and no v, as zapr', () => {
    const line = JSON.parse(formatComponentJson(record(50, { err: { message: 'cannot bind', code: 'KPX_ERR_EXEC' } }))) as Record<string, unknown>;
    expect(line).toEqual({ ts: time, caller: 'kpx:0', msg: 'Using iptables Proxier', err: 'cannot bind (KPX_ERR_EXEC)' });
  });
});

describe('createLogger', () => {
  const capture = (format: 'text' | 'json', verbosity: number): { log: ReturnType<typeof createLogger>; text: () => string } => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { log: createLogger({ format, verbosity, destination: out }), text: () => text };
  };

  it('writes klog text, and V(2) lines only from -v=2', () => {
    const quiet = capture('text', 0);
    quiet.log.debug({ full: true }, 'sync done');
    quiet.log.info({ node: 'n1' }, 'kpx started');
    expect(quiet.text()).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ kpx:0\] "kpx started" node="n1"\n$/);
    const verbose = capture('json', 2);
    verbose.log.child({ node: 'n1' }).debug({ full: true }, 'sync done');
    expect(JSON.parse(verbose.text())).toMatchObject({ caller: 'kpx:0', msg: 'sync done', v: 2, node: 'n1', full: true });
  });
});
