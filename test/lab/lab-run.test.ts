// `kpx lab` as a real process, headless and short, over the routed and vxlan pod networks with
// two host modes: its report.json (every network × mode leg present or skipped with a reason,
// every figure a number or an explicit gap, traffic at every endpoint, the vxlan path's MTU
// and the packets its VTEP encapsulated), samples.csv, no namespace or tool process left
// behind, and report.html rendered by headless Chromium with its charts. The ipvs leg in the
// kernel VM is a run of its own (minutes): in CI, or with KPX_LAB_VM=1.
// Needs root, iproute2, iptables, conntrack, iperf3, wrk, nginx; the HTML part needs Debian's chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAFFIC_FIGURES, type LabReport, type LegReport } from '@kpx/lab/report-types.ts';
import { describeNeedingRoot, isCi } from '../helpers/needs-root.ts';

const KPX = fileURLToPath(new URL('../../bin/kpx.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const describeAsRoot = describeNeedingRoot();
const MODES = ['iptables', 'userspace'];
const NETWORKS = ['routed', 'vxlan'];
const EXPECTED_LEGS = NETWORKS.flatMap((network) => ['direct', ...MODES].map((mode) => `${network} ${mode}`));
/** Where the host kernel has no IPVS, the lab runs the ipvs leg (and its own baseline) in the kernel VM. */
const hostHasIpvs = spawnSync('ipvsadm', ['-Ln'], { encoding: 'utf8' }).status === 0;
/** In CI the kernel VM must run (qemu is installed there); elsewhere ipvs may be skipped with its reason. */
const requireEveryMode = isCi();
const runsKernelVm = requireEveryMode || process.env['KPX_LAB_VM'] === '1';
/** Figures a leg cannot have by its nature: the direct leg runs no kpx. */
const KPX_FIGURES = ['kpxCpuPct', 'kpxRssIdleMb', 'kpxRssLoadMb'];
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

function labNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('kpxlab-'));
}

/** Tool servers and clients still running inside a lab's namespaces (there must be none after it). */
function labToolProcesses(): string[] {
  const listed = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return listed.stdout.split('\n').filter((line) => /\b(iperf3 -[sc]|wrk -t|nginx -p \/tmp\/kpxlab-)/.test(line));
}

const legLabel = (leg: LegReport): string => `${leg.network} ${leg.name}`;

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

describeAsRoot('kpx lab, headless', () => {
  let out: string;
  let result: Awaited<ReturnType<typeof runLab>>;
  let report: LabReport;
  const namespacesBefore = isRoot ? labNamespaces() : [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kpx-lab-test-'));
    result = await runLab(['--network', NETWORKS.join(','), '--modes', MODES.join(','), '--duration', '1', '--services', '20', '--out', out]);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LabReport;
  }, 300_000);

  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it("exits 0, prints the network × mode table with each network's direct baseline first, and shows its progress on stderr", () => {
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout.split('\n').filter((line) => /^(routed|vxlan) +(direct|iptables|userspace) +(\d|—|skipped|failed)/.test(line));
    expect(rows.map((row) => row.split(/\s+/).slice(0, 2).join(' '))).toEqual(report.legs.map(legLabel));
    expect(result.stderr).toMatch(/routed: building the cluster/);
    expect(result.stderr).toMatch(/vxlan iptables: starting kpx run/);
    expect(result.stdout).toMatch(/^vxlan vs routed, direct: TCP 1 stream/m);
  });

  it('reports every network × mode leg asked for: measured, or skipped with a reason', () => {
    expect(report.legs.map(legLabel)).toEqual(EXPECTED_LEGS);
    for (const leg of report.legs) {
      expect(leg.status, JSON.stringify(leg)).not.toBe('failed');
      if (leg.status !== 'ok') expect((leg as Extract<LegReport, { reason: string }>).reason.length).toBeGreaterThan(10);
    }
    // Both networks build on any kernel this suite runs on (veth, bridge, vxlan are required).
    expect(report.legs.filter((leg) => leg.status === 'ok').map(legLabel)).toEqual(EXPECTED_LEGS);
  });

  it('gives every figure as a number, or as an explicit gap: null with its reason, never 0 in its place', () => {
    for (const leg of report.legs) {
      if (leg.status !== 'ok') continue;
      const isMode = 'checks' in leg;
      for (const [name, value] of Object.entries(leg.figures)) {
        if (value === null) {
          const explained = (!isMode && KPX_FIGURES.includes(name)) || leg.gaps.length > 0 || name === 'syncP50Ms';
          expect(explained, `${legLabel(leg)}.${name} is a gap without a reason`).toBe(true);
          continue;
        }
        expect(Number.isFinite(value), `${legLabel(leg)}.${name} = ${String(value)}`).toBe(true);
        expect(value, `${legLabel(leg)}.${name}`).toBeGreaterThanOrEqual(0);
      }
      // The standard tools measured every traffic figure here (a loaded machine may still lose a test: its reason is in gaps).
      expect(leg.gaps, legLabel(leg)).toEqual([]);
      for (const name of TRAFFIC_FIGURES) if (!/Retrans|Loss|Jitter/.test(name)) expect(leg.figures[name], `${legLabel(leg)}.${name}`).toBeGreaterThan(0);
      expect(leg.figures.nodeSystemPct, `${legLabel(leg)}: the machine worked`).toBeGreaterThan(0);
      if (isMode) {
        expect(leg.figures.kpxRssIdleMb, `${legLabel(leg)}: kpx RSS`).toBeGreaterThan(20);
        expect(leg.figures.kpxCpuPct, legLabel(leg)).not.toBeNull();
        expect(leg.apiChanges.followed, `${legLabel(leg)}: API changes followed`).toBe(leg.apiChanges.total);
      }
    }
    // userspace relays every byte in kpx: its daemons work where iptables' idle.
    const cpu = (name: string) => report.legs.find((leg) => leg.network === 'routed' && leg.name === name && leg.status === 'ok');
    const userspace = cpu('userspace');
    const iptables = cpu('iptables');
    if (userspace?.status === 'ok' && iptables?.status === 'ok') expect(userspace.figures.kpxCpuPct ?? 0).toBeGreaterThan(iptables.figures.kpxCpuPct ?? 0);
  });

  it("builds the vxlan path with flannel's MTU and carries the pods' traffic encapsulated through flannel.1", () => {
    const [routed, vxlan] = NETWORKS.map((name) => report.networks.find((network) => network.name === name));
    expect(routed).toMatchObject({ status: 'ok', podMtu: 1500, nodeMtu: 1500 });
    expect(routed?.tunnel).toBeUndefined();
    expect(vxlan).toMatchObject({
      status: 'ok',
      podMtu: 1450,
      nodeMtu: 1500,
      tunnel: { device: 'flannel.1', mtu: 1450, vni: 1, udpPort: 8472, overheadBytes: 50 },
    });
    const counters = vxlan?.tunnel?.node1;
    // iperf3 alone sent gigabytes from pod-a (node1) to pod-c (node2): all of it left node1 through the VTEP.
    expect(counters?.txPackets ?? 0).toBeGreaterThan(10_000);
    expect(counters?.txBytes ?? 0).toBeGreaterThan(100_000_000);
    expect(counters?.rxPackets ?? 0).toBeGreaterThan(1000);
    expect(report.host.sysctls.length).toBeGreaterThan(0);
    expect(Object.keys(report.host.tools).sort()).toEqual(['iperf3', 'nft', 'nginx', 'wrk']);
    expect(report.host.tools['iperf3']).toMatch(/^iperf 3\./);
  });

  it('writes every sample to samples.csv', async () => {
    const csv = (await readFile(join(out, 'samples.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('network,leg,figure,repeat,value');
    expect(csv.length - 1).toBe(report.samples.length);
    expect(csv).toContain(
      `vxlan,iptables,tcpGbit1,1,${String(report.samples.find((s) => s.network === 'vxlan' && s.leg === 'iptables' && s.figure === 'tcpGbit1')?.value)}`,
    );
  });

  it('sees traffic at every endpoint, and each service type answering only from the pods its policy allows', () => {
    expect(report.endpointsSeen).toEqual(['pod-a', 'pod-b', 'pod-c', 'pod-d']);
    for (const leg of report.legs) {
      if (leg.status !== 'ok' || !('checks' in leg)) continue;
      for (const check of leg.checks) {
        const answered = Object.keys(check.byPod).sort();
        expect(check.errors, `${legLabel(leg)} ${check.service}`).toBe(0);
        if (check.service.startsWith('sticky')) expect(answered, `${legLabel(leg)} ${check.service}`).toHaveLength(1);
        else expect(answered, `${legLabel(leg)} ${check.service}`).toEqual([...check.expectedPods].sort());
      }
    }
  });

  it('leaves no namespace and no tool process behind', () => {
    expect(labNamespaces().filter((name) => !namespacesBefore.includes(name))).toEqual([]);
    expect(labToolProcesses()).toEqual([]);
  });

  it.skipIf(CHROMIUM === undefined)(
    'renders report.html in headless Chromium without errors, with its charts',
    async () => {
      const profile = await mkdtemp(join(tmpdir(), 'kpx-lab-chromium-'));
      const screenshot = join(out, 'report.png');
      const flags = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
      ];
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
        // One topology drawing per network, the vxlan one naming its tunnel.
        expect(dom.stdout.match(/<figure class="topology"><svg class="topology"/g) ?? []).toHaveLength(2);
        expect(dom.stdout).toContain('vxlan: flannel.1, VNI 1, UDP 8472, MTU 1450');
        expect(dom.stdout).toMatch(/<table id="matrix">(<tbody>)?<tr><th>mode \/ network<\/th><th>routed<\/th><th>vxlan<\/th><\/tr>/);
        const shot = spawnSync(CHROMIUM ?? 'chromium', [...flags, `--screenshot=${screenshot}`, '--window-size=1280,1400', url], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(shot.status, shot.stderr).toBe(0);
        const png = await readFile(screenshot);
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(png.readUInt32BE(16)).toBe(1280);
        // A blank page compresses to a few KB; bars, text and colours do not.
        expect((await stat(screenshot)).size).toBeGreaterThan(40_000);
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

// ipip needs the kernel's ipip driver: built where it exists, else skipped saying why (in a second).
const IPIP_PROBE = `kpxtest-ipip-${process.pid}`;
const kernelHasIpip =
  isRoot &&
  spawnSync('sh', ['-c', `ip netns add ${IPIP_PROBE} && ip -n ${IPIP_PROBE} link add t0 type ipip; s=$?; ip netns del ${IPIP_PROBE}; exit $s`], {
    encoding: 'utf8',
  }).status === 0;

describeAsRoot('kpx lab --network ipip', () => {
  it.skipIf(kernelHasIpip)("skips the network with the kernel's reason, builds nothing, and exits 0", async () => {
    const before = labNamespaces();
    const result = await runLab(['--network', 'ipip', '--modes', 'iptables', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as LabReport;
    expect(report.networks).toEqual([
      { name: 'ipip', status: 'skipped', reason: expect.stringMatching(/^the host kernel cannot create an ipip tunnel \(ip link add … type ipip: .+\)$/) },
    ]);
    expect(report.legs.map((leg) => [leg.network, leg.status])).toEqual([['ipip', 'skipped']]);
    expect(labNamespaces().filter((name) => !before.includes(name))).toEqual([]);
  });
});

// The kernel VM leg: a lab of its own inside Debian's kernel under qemu (minutes).
describe.skipIf(!isRoot || hostHasIpvs || !runsKernelVm)('kpx lab --modes ipvs, the leg in the kernel VM', () => {
  let out: string;
  let result: Awaited<ReturnType<typeof runLab>>;
  let report: LabReport;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'kpx-lab-vm-test-'));
    result = await runLab(['--network', 'routed', '--modes', 'ipvs', '--duration', '1', '--services', '20', '--out', out]);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LabReport;
  }, 900_000);

  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('runs the ipvs leg in the kernel VM beside its own baseline, relaying its progress, and says so', () => {
    expect(result.code, result.stderr).toBe(0);
    const vmLeg = report.legs.find((leg) => leg.name === 'ipvs (kernel VM)');
    expect(vmLeg?.status).toBe('ok');
    if (vmLeg?.status !== 'ok' || !('checks' in vmLeg)) return;
    expect(vmLeg.baseline).toBe('direct (kernel VM)');
    expect(vmLeg.kernelVm?.kernel).toMatch(/^\d+\.\d+/);
    const vmDirect = report.legs.find((leg) => leg.name === 'direct (kernel VM)');
    expect(vmDirect?.status === 'ok' ? vmDirect.kernelVm?.kernel : undefined).toBe(vmLeg.kernelVm?.kernel);
    expect(result.stderr).toMatch(/ipvs \(kernel VM\): routed ipvs: starting kpx run --proxy-mode ipvs/);
    expect(result.stdout).toMatch(/^routed ipvs \(kernel VM\) vs direct \(kernel VM\): TCP 1 stream/m);
    expect(result.stdout).toMatch(/rows marked \(kernel VM\) ran inside Debian's kernel/);
  });
});
