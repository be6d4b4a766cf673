// Before and after a change, in one run: `npx tsx bench/before-after.ts <git ref>` builds the ref into a
// temporary worktree and this tree into dist/, then measures both builds in alternating child processes
// (so load on the machine hits both alike) against one loopback token server, and writes
// bench/results/before-after.md. RUNS (default 4) child processes per build and measure.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTokenServer } from '../test/support/token-server.js';
import { markdownTable, median, writeReport } from './support.js';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const child = join(root, 'bench/before-after-child.ts');
const ref = process.argv[2] ?? 'main';
const runs = Number(process.env.RUNS ?? 4);

async function buildRef(): Promise<{ dist: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'passflow-before-'));
  await exec('git', ['worktree', 'add', '--detach', dir, ref], { cwd: root });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  await exec('npm', ['run', '-s', 'build'], { cwd: dir });
  return {
    dist: join(dir, 'dist/index.js'),
    cleanup: async () => {
      await exec('git', ['worktree', 'remove', '--force', dir], { cwd: root });
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Sample = Record<string, number>;

async function measure(dist: string, mode: string, url: string): Promise<Sample> {
  const args = [...(mode === 'heap' ? ['--expose-gc'] : []), '--import', 'tsx', child, mode, dist];
  args.push(...(mode === 'fresh' ? [url, '400'] : mode === 'heap' ? ['10000'] : []));
  const { stdout } = await exec('node', args, { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Sample;
}

const before = await buildRef();
await exec('npm', ['run', '-s', 'build'], { cwd: root });
const builds = { before: before.dist, after: join(root, 'dist/index.js') };
const server = await startTokenServer();
const samples: Record<string, { before: Sample[]; after: Sample[] }> = {};
try {
  for (const mode of ['warm', 'fresh', 'heap']) {
    const pair = { before: [] as Sample[], after: [] as Sample[] };
    samples[mode] = pair;
    for (let run = 0; run < runs; run++) {
      for (const name of run % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
        pair[name].push(await measure(builds[name], mode, server.url));
      }
    }
  }
} finally {
  await server.close();
  await before.cleanup();
}

const cell = (mode: string, field: string, digits: number, unit: string) =>
  (['before', 'after'] as const).map((name) => {
    const values = (samples[mode]?.[name] ?? []).map((sample) => sample[field] ?? Number.NaN);
    return `${median(values).toFixed(digits)}${unit} (${values.map((v) => v.toFixed(digits)).join(', ')})`;
  });
const markdown = [
  `Before: \`${ref}\`; after: this tree. ${runs} child processes per build and measure, alternating; the median, then every run.`,
  '',
  markdownTable(
    ['measure', 'before', 'after'],
    [
      ['warm `getValidToken()` ÷ awaited resolved promise', ...cell('warm', 'ratio', 2, 'x')],
      [
        'fresh token ÷ raw fetch POST with a timeout signal (median of rounds)',
        ...cell('fresh', 'ratioMedian', 3, 'x'),
      ],
      ['fresh token, µs (p10 of batches)', ...cell('fresh', 'oursP10', 0, '')],
      ['heap for 10,000 clients holding a token', ...cell('heap', 'mb', 2, ' MB')],
    ],
  ),
].join('\n');
const path = await writeReport(
  { name: 'before-after', markdown, summary: [], ok: true },
  'Benchmark: before and after a change (bench/before-after.ts)',
);
console.log(markdown);
console.log(`→ ${path}`);
