import { describe, expect, it } from 'vitest';
import { flagsFor } from './flag-table.ts';
import { formatFlagHelp } from './help-text.ts';

describe('formatFlagHelp', () => {
  it('documents every flag of kpx run with its type, and kube-proxy defaults as pflag prints them', () => {
    const help = formatFlagHelp('run', 'usage: kpx run [flags]');
    for (const flag of flagsFor('run')) expect(help).toContain(`--${flag.name}`);
    expect(help).toMatch(/^ {2}-v, --v Level +Number for the log level verbosity/m);
    expect(help).toMatch(/^ {6}--cleanup +If true cleanup iptables and ipvs rules and exit\.$/m);
    expect(help).toContain('(default 14)');
    expect(help).toContain('(default 24h0m0s)');
    expect(help).toContain('(default 1h0m0s)');
    expect(help).toContain('(default 15m0s)');
    expect(help).toContain('(default 0.0.0.0:10256)');
    expect(help).toContain('(default "application/vnd.kubernetes.protobuf")');
    expect(help).not.toContain('--filename');
    expect(help).not.toContain('accepted and ignored');
  });

  it('keeps every line within 110 columns', () => {
    for (const line of formatFlagHelp('render', 'usage').split('\n')) expect(line.length, line).toBeLessThanOrEqual(110);
  });
});
