import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { recordingExec } from '../../../../test/helpers/recording-exec.ts';
import { ensureSysctl, execSysctl, procSysctl } from './sysctl.ts';

describe('procSysctl', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kpx-sysctl-'));
  afterAll(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'net/ipv4/conf/all'), { recursive: true });
  await writeFile(join(root, 'net/ipv4/conf/all/route_localnet'), '0\n');

  it('reads, writes, and reports a missing key as undefined', async () => {
    const sysctl = procSysctl(root);
    expect(await sysctl.read('net.ipv4.conf.all.route_localnet')).toBe('0');
    expect(await ensureSysctl(sysctl, 'net.ipv4.conf.all.route_localnet', '1', silentLogger())).toBe(true);
    expect(await readFile(join(root, 'net/ipv4/conf/all/route_localnet'), 'utf8')).toBe('1\n');
    expect(await ensureSysctl(sysctl, 'net.ipv4.conf.all.route_localnet', '1', silentLogger())).toBe(false);
    expect(await sysctl.read('net.bridge.bridge-nf-call-iptables')).toBeUndefined();
  });

  it.each(['../etc/passwd', 'net', 'net.ipv4/../x', ''])('rejects the key %j', async (key) => {
    await expect(procSysctl(root).read(key)).rejects.toMatchObject({ code: 'KPX_ERR_CONFIG' });
  });
});

describe('execSysctl', () => {
  it('uses sysctl -n and -w through exec', async () => {
    const fake = recordingExec((request) => (request.args[0] === '-n' ? { stdout: '0\n' } : undefined));
    const sysctl = execSysctl(fake.exec);
    expect(await sysctl.read('net.ipv4.ip_forward')).toBe('0');
    await sysctl.write('net.ipv4.ip_forward', '1');
    expect(fake.argv()).toEqual(['sysctl -n net.ipv4.ip_forward', 'sysctl -q -w net.ipv4.ip_forward=1']);
  });

  it('reports a missing key as undefined', async () => {
    const fake = recordingExec(() => ({
      exitCode: 255,
      stderr: 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\n',
    }));
    expect(await execSysctl(fake.exec).read('net.bridge.bridge-nf-call-iptables')).toBeUndefined();
  });

  it('refuses values that could smuggle a second assignment', async () => {
    await expect(execSysctl(recordingExec().exec).write('net.ipv4.ip_forward', '1\nnet.x=2')).rejects.toMatchObject({ code: 'KPX_ERR_CONFIG' });
  });
});
