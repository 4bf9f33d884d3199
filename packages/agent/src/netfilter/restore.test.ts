import { describe, expect, it } from 'vitest';
import { isKpxError } from '../errors.ts';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { composeRestorePayload, declaredChains, parseRestoreFailure, runRestore } from './restore.ts';
import { iptablesTools } from './backend-detect.ts';
import type { ChainRemoval } from './chain-removal.ts';

const PAYLOAD = [
  '*filter',
  ':KUBE-SERVICES - [0:0]',
  '-A KUBE-SERVICES -j RETURN',
  'COMMIT',
  '*nat',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-SVC-AAAA - [0:0]',
  '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 99999 -j KUBE-SVC-AAAA',
  '-A KUBE-SVC-AAAA -j RETURN',
  'COMMIT',
  '',
].join('\n');

describe('parseRestoreFailure', () => {
  it.each([
    ['a parse error', "iptables-restore v1.8.9 (legacy): invalid port/service `99999' specified\nError occurred at line: 8\n", 8],
    ['a legacy commit error', 'iptables-restore: line 8 failed\n', 8],
    ['an nft commit error', 'iptables-nft-restore v1.8.9 (nf_tables): \nline 8: CHAIN_DEL failed (Device or resource busy): chain KUBE-X\n', 8],
  ])('finds the line of %s with 3 lines around it and the tables already committed', (_name, stderr, line) => {
    const failure = parseRestoreFailure(stderr, PAYLOAD);
    expect(failure.line).toBe(line);
    expect(failure.excerpt).toEqual([
      '      5: *nat',
      '      6: :KUBE-SERVICES - [0:0]',
      '      7: :KUBE-SVC-AAAA - [0:0]',
      '>     8: -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 99999 -j KUBE-SVC-AAAA',
      '      9: -A KUBE-SVC-AAAA -j RETURN',
      '     10: COMMIT',
      '     11: ',
    ]);
    expect(failure.committedTables).toEqual(['filter']);
  });

  it('clips the excerpt at the first line and reports nothing committed', () => {
    const failure = parseRestoreFailure('Error occurred at line: 1', PAYLOAD);
    expect(failure.excerpt[0]).toBe('>     1: *filter');
    expect(failure.excerpt).toHaveLength(4);
    expect(failure.committedTables).toEqual([]);
  });

  it('has no line when the tool names none', () => {
    expect(parseRestoreFailure('Another app is currently holding the xtables lock', PAYLOAD)).toEqual({
      line: undefined,
      excerpt: [],
      committedTables: [],
    });
  });
});

const removal = (chains: string[], unlinkRules: string[] = []): ChainRemoval => ({ chains, unlinkRules, keptChains: [] });

describe('composeRestorePayload', () => {
  it('flushes and unlinks after the table header and deletes before COMMIT', () => {
    const payload = composeRestorePayload(PAYLOAD, new Map([['nat', removal(['KUBE-SEP-OLD'], ['-D PREROUTING -j KUBE-SEP-OLD'])]]));
    expect(payload.split('\n').slice(4)).toEqual([
      '*nat',
      ':KUBE-SEP-OLD - [0:0]',
      '-D PREROUTING -j KUBE-SEP-OLD',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-AAAA - [0:0]',
      '-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 99999 -j KUBE-SVC-AAAA',
      '-A KUBE-SVC-AAAA -j RETURN',
      '-X KUBE-SEP-OLD',
      'COMMIT',
      '',
    ]);
    expect(payload.split('\n').slice(0, 4)).toEqual(PAYLOAD.split('\n').slice(0, 4));
  });

  it('adds a section for a table the plan does not write', () => {
    const natOnly = '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n';
    expect(composeRestorePayload(natOnly, new Map([['filter', removal(['KUBE-FW-OLD'])]]))).toBe(
      `${natOnly}*filter\n:KUBE-FW-OLD - [0:0]\n-X KUBE-FW-OLD\nCOMMIT\n`,
    );
  });

  it('leaves the text alone when nothing is stale', () => {
    expect(composeRestorePayload(PAYLOAD, new Map([['nat', removal([])]]))).toBe(PAYLOAD);
  });

  it('handles an empty table section', () => {
    expect(composeRestorePayload('*nat\nCOMMIT\n', new Map([['nat', removal(['KUBE-SVC-X'])]]))).toBe('*nat\n:KUBE-SVC-X - [0:0]\n-X KUBE-SVC-X\nCOMMIT\n');
  });
});

it('declaredChains lists the chains each table section flushes', () => {
  expect(declaredChains(PAYLOAD)).toEqual(
    new Map([
      ['filter', new Set(['KUBE-SERVICES'])],
      ['nat', new Set(['KUBE-SERVICES', 'KUBE-SVC-AAAA'])],
    ]),
  );
});

describe('runRestore', () => {
  const tools = iptablesTools('nft', 'IPv4');

  it('feeds the payload on stdin with the lock wait and --noflush', async () => {
    const fake = recordingExec(() => ({ durationMs: 42 }));
    expect(await runRestore(fake.exec, tools, PAYLOAD)).toBe(42);
    expect(fake.argv()).toEqual(['iptables-nft-restore -w 5 --noflush --counters']);
    expect(fake.calls[0]?.stdin).toBe(PAYLOAD);
  });

  it('throws KPX_ERR_RESTORE carrying the failing line and its neighbours', async () => {
    const fake = recordingExec(() => ({ exitCode: 2, stderr: 'Error occurred at line: 8\n' }));
    const error = await runRestore(fake.exec, tools, PAYLOAD).catch((caught: unknown) => caught);
    expect(isKpxError(error, 'KPX_ERR_RESTORE')).toBe(true);
    if (!isKpxError(error)) return;
    expect(error.message).toContain('line 8');
    expect(error.context).toMatchObject({ line: 8, committedTables: ['filter'] });
    expect(error.context['excerpt']).toContain('>     8: -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp --dport 99999 -j KUBE-SVC-AAAA');
  });
});

it('runRestore turns a killed or missing tool into KPX_ERR_RESTORE', async () => {
  const fake = recordingExec(() => {
    throw new Error('Command timed out after 10 milliseconds');
  });
  await expect(runRestore(fake.exec, iptablesTools('nft', 'IPv4'), PAYLOAD, 10)).rejects.toMatchObject({
    code: 'KPX_ERR_RESTORE',
    context: { timeoutMs: 10 },
  });
});
