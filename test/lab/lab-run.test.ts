// `kpx lab` as a real process, headless and short: its report.json (every mode present or
// skipped with a reason, every figure a finite number, traffic at every endpoint), no
// namespace left behind, and report.html rendered by headless Chromium with its charts.
// Needs root, iproute2, iptables, conntrack; the HTML part needs Debian's chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabReport, LegReport } from '@kpx/lab/report-types.ts';
import { isCi } from '../kernel/vm.ts';

const KPX = fileURLToPath(new URL('../../bin/kpx.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const MODES = ['iptables', 'userspace', 'ipvs'];
/** Where the host kernel has no IPVS, the lab runs the ipvs leg (and its own baseline) in the kernel VM. */
const hostHasIpvs = spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8' }).status === 0;
const EXPECTED_LEGS = hostHasIpvs ? ['direct', ...MODES] : ['direct', 'iptables', 'userspace', 'direct (kernel VM)', 'ipvs (kernel VM)'];
/** In CI the kernel VM must run (qemu is installed there); elsewhere ipvs may be skipped with its reason. */
const requireEveryMode = isCi();
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

function labNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return listed.stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name.startsWith('kpxlab-'));
}

function runLab(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KPX, 'lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!isRoot)('kpx lab, headless', () => {
  let out: string;
  let result: Awaited<ReturnType<typeof runLab>>;
  let report: LabReport;
  const namespacesBefore = isRoot ? labNamespaces() : [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kpx-lab-test-'));
    result = await runLab(['--modes', MODES.join(','), '--duration', '0.5', '--services', '20', '--out', out]);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LabReport;
  }, 420_000);

  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('exits 0, prints the table with the direct baseline first, and shows its progress on stderr', () => {
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^(direct|iptables|userspace|ipvs)( \(kernel VM\))? +(\d|skipped|failed)/.test(line));
    expect(rows[0]).toMatch(/^direct\s+\d/);
    expect(rows.map((row) => row.split(/\s{2,}/)[0]?.trim())).toEqual(report.legs.map((leg) => leg.name));
    expect(result.stderr).toMatch(/building the cluster/);
    expect(result.stderr).toMatch(/iptables: starting kpx run/);
  });

  it('reports the baseline first, then every mode asked for: measured, or skipped with a reason', () => {
    const names = report.legs.map((leg) => leg.name);
    const ipvsSkipped = report.legs.find((leg) => leg.name === 'ipvs' && leg.status === 'skipped');
    expect(names).toEqual(ipvsSkipped === undefined || requireEveryMode ? EXPECTED_LEGS : ['direct', ...MODES]);
    for (const leg of report.legs) {
      expect(leg.status, JSON.stringify(leg)).not.toBe('failed');
      if (leg.status !== 'ok') expect((leg as Extract<LegReport, { reason: string }>).reason.length).toBeGreaterThan(10);
    }
    // iptables works on any kernel this suite runs on.
    expect(report.legs.find((leg) => leg.name === 'iptables')?.status).toBe('ok');
  });

  it.skipIf(hostHasIpvs)('runs the ipvs leg in the kernel VM beside its own baseline, relaying its progress, and says so', () => {
    const vmLeg = report.legs.find((leg) => leg.name === 'ipvs (kernel VM)');
    if (vmLeg === undefined && !requireEveryMode) return; // skipped with its reason, checked above
    expect(vmLeg?.status).toBe('ok');
    if (vmLeg?.status !== 'ok' || !('checks' in vmLeg)) return;
    expect(vmLeg.baseline).toBe('direct (kernel VM)');
    expect(vmLeg.kernelVm?.kernel).toMatch(/^\d+\.\d+/);
    const vmDirect = report.legs.find((leg) => leg.name === 'direct (kernel VM)');
    expect(vmDirect?.status === 'ok' ? vmDirect.kernelVm?.kernel : undefined).toBe(vmLeg.kernelVm?.kernel);
    expect(result.stderr).toMatch(/ipvs \(kernel VM\): ipvs: starting kpx run --proxy-mode ipvs/);
    expect(result.stdout).toMatch(/^ipvs \(kernel VM\) vs direct \(kernel VM\): TCP 1 stream/m);
    expect(result.stdout).toMatch(/rows marked \(kernel VM\) ran inside Debian's kernel/);
  });

  it('gives every measured figure as a finite positive number', () => {
    for (const leg of report.legs) {
      if (leg.status !== 'ok') continue;
      for (const [name, value] of Object.entries(leg.figures)) {
        expect(Number.isFinite(value), `${leg.name}.${name} = ${String(value)}`).toBe(true);
        if (name !== 'apiChangeP50Ms' && name !== 'apiChangeMaxMs') expect(value, `${leg.name}.${name}`).toBeGreaterThan(0);
        else expect(value).toBeGreaterThanOrEqual(0);
      }
      if ('apiChanges' in leg) expect(leg.apiChanges.followed, `${leg.name}: API changes followed`).toBe(leg.apiChanges.total);
    }
  });

  it('sees traffic at every endpoint, and each service type answering only from the pods its policy allows', () => {
    expect(report.endpointsSeen).toEqual(['pod-a', 'pod-b', 'pod-c', 'pod-d']);
    for (const leg of report.legs) {
      if (leg.status !== 'ok' || !('checks' in leg)) continue;
      for (const check of leg.checks) {
        const answered = Object.keys(check.byPod).sort();
        expect(check.errors, `${leg.name} ${check.service}`).toBe(0);
        if (check.service.startsWith('sticky')) expect(answered, `${leg.name} ${check.service}`).toHaveLength(1);
        else expect(answered, `${leg.name} ${check.service}`).toEqual([...check.expectedPods].sort());
      }
    }
  });

  it('leaves no namespace behind', () => {
    expect(labNamespaces().filter((name) => !namespacesBefore.includes(name))).toEqual([]);
  });

  it.skipIf(CHROMIUM === undefined)('renders report.html in headless Chromium without errors, with its charts', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'kpx-lab-chromium-'));
    const screenshot = join(out, 'report.png');
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0'];
    const url = `file://${join(out, 'report.html')}`;
    try {
      const dom = spawnSync(CHROMIUM ?? 'chromium', [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000 });
      expect(dom.status, dom.stderr).toBe(0);
      expect(dom.stderr).not.toMatch(/CONSOLE\(\d+\)|Uncaught|ERR_FILE_NOT_FOUND/);
      const charts = dom.stdout.match(/<figure class="chart"><svg[^>]*>/g) ?? [];
      expect(charts.length).toBe(7);
      // Each chart has drawn bars (paths), axis labels and the legs' names.
      expect((dom.stdout.match(/<path /g) ?? []).length).toBeGreaterThan(20);
      expect(dom.stdout).toContain('TCP throughput');
      const shot = spawnSync(CHROMIUM ?? 'chromium', [...flags, `--screenshot=${screenshot}`, '--window-size=1280,1400', url], { encoding: 'utf8', timeout: 60_000 });
      expect(shot.status, shot.stderr).toBe(0);
      const png = await readFile(screenshot);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280);
      // A blank page compresses to a few KB; bars, text and colours do not.
      expect((await stat(screenshot)).size).toBeGreaterThan(40_000);
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
