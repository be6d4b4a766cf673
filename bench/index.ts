// Benchmark runner: `npm run bench [-- suite...]` runs the registered suites in one process and writes
// each result to bench/results/<name>.md (reports/bench/ with BENCH_SMOKE=1). To add a suite, write
// bench/<name>.ts exporting a function that resolves to a BenchReport, and register it below.
import { credentialsBench } from './credentials.js';
import { fetchBench } from './fetch.js';
import { runFleetBench } from './fleet.js';
import { lifecycleBench } from './lifecycle.js';
import { peerBench } from './peers.js';
import { type BenchReport, SMOKE, writeReport } from './support.js';
import { verifyBench } from './verify.js';

type Suite = { name: string; title: string; run: () => Promise<BenchReport> };

const SUITES: Suite[] = [
  { name: 'lifecycle', title: 'Benchmark: token lifecycle (@passflow/core)', run: lifecycleBench },
  { name: 'fleet', title: 'Benchmark: fleet stampede (Redis, many processes)', run: () => runFleetBench() },
  { name: 'fetch', title: 'Benchmark: m2m.fetch() and DPoP proofs (@passflow/core)', run: fetchBench },
  { name: 'peers', title: 'Benchmark: against peer libraries (also in BENCHMARKS.md)', run: peerBench },
  { name: 'credentials', title: 'Benchmark: client authentication methods', run: credentialsBench },
  { name: 'verify', title: 'Benchmark: token verification (@passflow/core/verify)', run: verifyBench },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`,
    );
  }
  const selected = wanted.length > 0 ? SUITES.filter((suite) => wanted.includes(suite.name)) : SUITES;
  let ok = true;
  for (const suite of selected) {
    console.log(`\n== ${suite.name}${SMOKE ? ' (smoke)' : ''}`);
    const report = await suite.run();
    const path = await writeReport(report, suite.title);
    for (const line of report.summary) console.log(`  ${line}`);
    console.log(`  → ${path}`);
    ok &&= report.ok;
  }
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
