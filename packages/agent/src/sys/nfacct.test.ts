import { describe, expect, it } from 'vitest';
import type { Exec } from './exec.ts';
import { ensureNfacctCounter, kernelNfacctName, parseNfacctList, readNfacctCounters } from './nfacct.ts';

const LIST = [
  '{ pkts = 00000000000000000012, bytes = 00000000000000001234 } = ct_state_invalid_dropped_pkts;',
  '{ pkts = 00000000000000000000, bytes = 00000000000000000000 } = localhost_nodeports_accepted_pkts;',
  'nonsense',
].join('\n');

const scripted =
  (exitCodes: Record<string, number>, calls: string[]): Exec =>
  async (request) => {
    const line = request.args.join(' ');
    calls.push(line);
    return { exitCode: exitCodes[line] ?? 0, stdout: line === 'list' ? LIST : '', stderr: '', durationMs: 0 };
  };

describe('nfacct', () => {
  it('reads packets per counter from nfacct list', () => {
    expect(parseNfacctList(LIST)).toEqual(
      new Map([
        ['ct_state_invalid_dropped_pkts', 12],
        ['localhost_nodeports_accepted_pkts', 0],
      ]),
    );
  });

  it('adds a counter only when get does not find it, and says whether it exists', async () => {
    const calls: string[] = [];
    expect(await ensureNfacctCounter(scripted({ 'get a': 1 }, calls), 'a')).toBe(true);
    expect(await ensureNfacctCounter(scripted({}, calls), 'b')).toBe(true);
    expect(await ensureNfacctCounter(scripted({ 'get c': 1, 'add c': 1 }, calls), 'c')).toBe(false);
    expect(calls).toEqual(['get a', 'add a', 'get b', 'get c', 'add c']);
  });

  it('treats a missing tool as no counters', async () => {
    const missing: Exec = async () => {
      throw new Error('could not run nfacct');
    };
    expect(await ensureNfacctCounter(missing, 'a')).toBe(false);
    expect(await readNfacctCounters(missing)).toEqual(new Map());
    expect(await readNfacctCounters(scripted({}, []))).toEqual(parseNfacctList(LIST));
  });
});

describe('kernelNfacctName', () => {
  it.each([
    ['ct_state_invalid_dropped_pkts', 'ct_state_invalid_dropped_pkts'],
    ['localhost_nodeports_accepted_pkts', 'localhost_nodeports_accepted_pk'],
  ])('%s is kept as %s (31 bytes at most)', (name, kept) => {
    expect(kernelNfacctName(name)).toBe(kept);
  });
});
