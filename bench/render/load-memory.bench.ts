// Memory benchmark: peak RSS and time of a whole `kpx render --mode iptables -f FILE` against
// the input's size, for inputs that used to amplify into gigabytes.
//
//   node bench/render/load-memory.bench.ts [--mb 50] [--empty-mb 8] [--runs 1]
//
// Inputs, written to a temporary directory: a multi-document YAML of Services and their
// EndpointSlices (10 endpoints each) of about --mb MB, the same cluster as a `-o json` List,
// and --empty-mb MB of empty `---` documents. Each render runs in a fresh child process, which
// reports process.resourceUsage().maxRSS; the `empty` row (an empty file) is the baseline. The
// load columns are the same file through loadObjects alone (what `-f` costs before the model).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { main } from '@kpx/agent/cli/main.ts';
import { loadObjects } from '@kpx/agent/config/load-objects.ts';
import { median, syntheticCluster } from './synthetic-cluster.ts';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '50' },
    'empty-mb': { type: 'string', default: '8' },
    runs: { type: 'string', default: '1' },
    child: { type: 'string' },
    load: { type: 'boolean', default: false },
  },
});

interface RenderResult {
  readonly ms: number;
  readonly exitCode: number;
  readonly peakRssMb: number;
  readonly outputMb: number;
  readonly firstError: string;
}

async function runLoadChild(path: string): Promise<RenderResult> {
  const started = performance.now();
  const loaded = await loadObjects([path]);
  const ms = performance.now() - started;
  const exitCode = loaded.errors.some((error) => error.unreadable) ? 3 : loaded.errors.length > 0 ? 1 : 0;
  return { ms, exitCode, peakRssMb: process.resourceUsage().maxRSS / 1024, outputMb: loaded.objects.length, firstError: '' };
}

async function runChild(path: string): Promise<RenderResult> {
  let outputBytes = 0;
  let stderr = '';
  const stdout = new Writable({ write: (chunk: Buffer, _encoding, done) => ((outputBytes += chunk.length), done()) });
  const errors = new Writable({ write: (chunk: Buffer, _encoding, done) => ((stderr += stderr.length < 4096 ? chunk.toString() : ''), done()) });
  const started = performance.now();
  const exitCode = await main(['render', '--mode', 'iptables', '--hostname-override', 'bench-node', '-f', path], {
    stdout,
    stderr: errors,
    stdin: process.stdin,
  });
  const ms = performance.now() - started;
  return { ms, exitCode, peakRssMb: process.resourceUsage().maxRSS / 1024, outputMb: outputBytes / 1e6, firstError: stderr.split('\n')[0] ?? '' };
}

/** Services and slices of the synthetic cluster, grown until the YAML reaches `bytes`. */
function writeCluster(bytes: number, yamlPath: string, jsonPath: string): void {
  const perService = dump(syntheticCluster(1, 10).endpointSlices[0], { lineWidth: -1 }).length * 1.3;
  const cluster = syntheticCluster(Math.ceil(bytes / perService), 10);
  const objects = [...cluster.services, ...cluster.endpointSlices];
  writeFileSync(yamlPath, objects.map((object) => dump(object, { lineWidth: -1 })).join('---\n'));
  writeFileSync(jsonPath, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } }, null, 4));
}

function measure(path: string, load = false): RenderResult {
  const results = Array.from({ length: Number(values.runs) }, () => {
    const output = execFileSync(process.execPath, [import.meta.filename, '--child', path, ...(load ? ['--load'] : [])], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    return JSON.parse(output) as RenderResult;
  });
  const pick = (key: 'ms' | 'peakRssMb'): number => median(results.map((result) => result[key]));
  return { ...results[0]!, ms: pick('ms'), peakRssMb: pick('peakRssMb') };
}

if (values.child !== undefined) {
  process.stdout.write(JSON.stringify(await (values.load ? runLoadChild(values.child) : runChild(values.child))));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kpx-load-memory-bench-'));
  try {
    const files = {
      empty: join(dir, 'empty.yaml'),
      yaml: join(dir, 'cluster.yaml'),
      json: join(dir, 'cluster.json'),
      'empty documents': join(dir, 'empty-documents.yaml'),
    };
    writeFileSync(files.empty, '');
    writeCluster(Number(values.mb) * 1e6, files.yaml, files.json);
    writeFileSync(files['empty documents'], '---\n'.repeat((Number(values['empty-mb']) * 1e6) / 4));
    console.log(`kpx render memory benchmark: kpx render --mode iptables, ${values.runs} fresh process(es) each, node ${process.version}`);
    console.log('input | input MB | exit | output MB | render ms | render peak RSS MB (× input) | load ms | load peak RSS MB (× input) | first stderr line');
    for (const [name, path] of Object.entries(files)) {
      const inputMb = statSync(path).size / 1e6;
      const result = measure(path);
      const load = measure(path, true);
      const rss = (mb: number): string => `${mb.toFixed(0)}${inputMb === 0 ? '' : ` (${(mb / inputMb).toFixed(1)}×)`}`;
      const row = [
        name,
        inputMb.toFixed(1),
        result.exitCode,
        result.outputMb.toFixed(1),
        result.ms.toFixed(0),
        rss(result.peakRssMb),
        load.ms.toFixed(0),
        rss(load.peakRssMb),
        result.firstError.slice(0, 100),
      ];
      console.log(row.join(' | '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
