/**
 * Benchmark entry point: `npm run bench` (builds first), or
 * `npx node --no-node-snapshot bench/run.mjs` against an existing build.
 *
 * Runs every scenario below, prints one Markdown table per scenario on stdout (progress goes to
 * stderr, so stdout can be redirected into a file as is), writes bench/results/latest.json and
 * bench/results/latest.html, and exits non-zero if any scenario failed or any run had more than 1%
 * errors.
 *
 * Environment: BENCH_DURATION (seconds per measured run, default 10),
 * BENCH_CONNECTIONS (concurrent connections, default 32),
 * BENCH_ONLY (comma-separated scenario names, e.g. `cold-start,density`: run only those).
 */
import path from 'node:path';
import { HTML_FILE, writeHtmlReport } from './lib/html-report.mjs';
import { loadConfig } from './lib/load.mjs';
import { REPO_ROOT } from './lib/process.mjs';
import { machineInfo, markdownTable, RESULTS_FILE, writeResults } from './lib/report.mjs';
import * as burst from './scenarios/burst.mjs';
import * as coldStart from './scenarios/cold-start.mjs';
import * as density from './scenarios/density.mjs';
import * as eventsWebhook from './scenarios/events-webhook.mjs';
import * as noisyNeighbour from './scenarios/noisy-neighbour.mjs';
import * as peerWorkerd from './scenarios/peer-workerd.mjs';
import * as serviceCalls from './scenarios/service-calls.mjs';
import * as storageEvents from './scenarios/storage-events.mjs';
import * as warmInvoke from './scenarios/warm-invoke.mjs';

const ALL_SCENARIOS = [
  warmInvoke,
  eventsWebhook,
  peerWorkerd,
  coldStart,
  burst,
  density,
  noisyNeighbour,
  serviceCalls,
  storageEvents,
];

/** BENCH_ONLY=name1,name2 runs only those scenarios (in the order above). */
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = (only ?? []).filter((n) => !ALL_SCENARIOS.some((s) => s.name === n));
if (unknown.length > 0) {
  console.error(
    `BENCH_ONLY: unknown scenario ${unknown.join(', ')}; known: ${ALL_SCENARIOS.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const SCENARIOS = only?.length ? ALL_SCENARIOS.filter((s) => only.includes(s.name)) : ALL_SCENARIOS;

/** Above this, a run's throughput and latency describe error handling, not the target's work. */
const MAX_ERROR_RATE = 0.01;

const config = loadConfig();
const machine = machineInfo();
const results = {
  machine,
  config,
  only: only?.length ? only : undefined,
  maxErrorRate: MAX_ERROR_RATE,
  scenarios: [],
};

console.log(
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.totalMemoryGiB} GiB, ${machine.os}, ` +
    `Node ${machine.node}\n` +
    `Settings: ${config.durationSeconds} s per run after a ${config.warmupSeconds} s warm-up, ` +
    `${config.connections} connections` +
    (results.only ? `\nScenarios: ${results.only.join(', ')} (BENCH_ONLY)` : '') +
    '\n',
);

const allFailures = [];
for (const scenario of SCENARIOS) {
  let outcome;
  try {
    outcome = await scenario.run(config);
  } catch (err) {
    // A scenario that cannot run at all (e.g. its baseline does not start) must not stop the
    // others, nor the results file.
    outcome = { rows: [], notes: [], failures: [err.stack ?? String(err)] };
  }

  for (const row of outcome.rows) {
    if (row.kind === 'run' && row.status === 'ok' && row.errorRate > MAX_ERROR_RATE) {
      outcome.failures.push(
        `${row.target}: ${row.errors} errors (${(row.errorRate * 100).toFixed(2)}% of requests, ` +
          `${row.timeouts} timeouts), above the ${MAX_ERROR_RATE * 100}% limit`,
      );
    }
  }

  console.log(`## ${scenario.name}\n\n${scenario.description}\n`);
  if (outcome.rows.length > 0) console.log(`${markdownTable(outcome.rows, scenario.columns)}\n`);
  for (const note of outcome.notes) console.log(`- ${note}`);
  if (outcome.notes.length > 0) console.log('');

  results.scenarios.push({
    name: scenario.name,
    description: scenario.description,
    columns: scenario.columns,
    ok: outcome.failures.length === 0,
    rows: outcome.rows,
    notes: outcome.notes,
    failures: outcome.failures,
  });
  allFailures.push(...outcome.failures.map((f) => `${scenario.name}: ${f}`));
}

writeResults(results);
console.log(`Results written to ${path.relative(REPO_ROOT, RESULTS_FILE)}`);
writeHtmlReport(results, HTML_FILE);
console.log(`HTML report written to ${path.relative(REPO_ROOT, HTML_FILE)}`);

if (allFailures.length > 0) {
  console.error(`\nBENCHMARK FAILED (${allFailures.length}):`);
  for (const failure of allFailures) console.error(`  - ${failure}`);
  process.exitCode = 1;
}
