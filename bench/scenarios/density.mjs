/**
 * density: how many warm functions one islet holds, what each costs in memory, and what happens
 * when there are more functions than the warm-environment cache keeps.
 *
 * One islet with `--max-environments M` (BENCH_DENSITY_CAP: by default 5000, the target, on a
 * machine with at least 16 GiB of RAM, else 1000) and `--executors 2`. Functions are deployed in
 * steps (M/4, M/2, M, 1.5 M, capped at BENCH_DENSITY_MAX, default 1.2 M),
 * 16 CreateFunction calls in flight. After each step every function deployed so far is invoked
 * once (32 in flight) so that each holds a warm environment, if the cache lets it; then:
 *
 * - total RSS of islet: the front process plus its children (the executors and the standby),
 *   VmRSS from /proc/<pid>/status;
 * - RSS per warm function = (RSS now - RSS before any function ran) / min(K, M);
 * - eviction: the first 50 functions (the least recently used after the pass) are invoked again,
 *   one at a time and in reverse order (so that the cold starts of the check itself evict nothing
 *   it has yet to check), and those whose REPORT line carries an Init Duration were cold, i.e.
 *   evicted. Expected ~0 while K <= M and ~50 once K > M.
 *
 * islet splits M evenly between its executors (each keeps floor(M / executors)) while functions
 * go to executors by a hash of their name, so an executor that draws more than its share evicts
 * before the total reaches M; the notes give the split.
 */
import fs from 'node:fs';
import os from 'node:os';
import { createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { processTree, sleep } from '../lib/process.mjs';

export const name = 'density';
export const description =
  'Warm functions held by one islet (--executors 2, --max-environments M): total RSS and RSS per ' +
  'warm function as functions are added in steps, and evictions once their count passes M.';

/** The project's target: warm functions held on one machine. */
export const TARGET = { warmFunctions: 5000 };

/** Columns of this scenario's table. */
export const columns = [
  { key: 'target', label: 'Step' },
  { key: 'deployed', label: 'functions deployed', format: 'int' },
  { key: 'warmHeld', label: 'warm held', format: 'int' },
  { key: 'rssMB', label: 'total RSS MB', format: 'fixed1' },
  { key: 'rssPerWarmKB', label: 'RSS per warm function KB', format: 'int', chart: true },
  { key: 'coldInPass', label: 'cold in pass', format: 'int' },
  { key: 'coldOnReinvoke', label: 'cold on re-invoke of 50', format: 'int' },
];

const EXECUTORS = 2;
const DEPLOY_CONCURRENCY = 16;
const INVOKE_CONCURRENCY = 32;
const REINVOKE_COUNT = 50;
/** Lets the executors refill their spare sandboxes and settle before RSS is read. */
const SETTLE_MS = 1000;

const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const HEADERS = { 'content-type': 'application/json', 'x-amz-log-type': 'Tail' };
const INIT_PATTERN = /Init Duration: ([\d.]+) ms/;

/** A tiny handler; the comment makes each zip (and its code hash) distinct. */
function source(index) {
  return `// density function ${index}
exports.handler = async (event) => ({ hello: event.name, i: ${index} });
`;
}

const functionName = (i) => `bench-density-${i}`;

/**
 * @param {object} _config the load settings, unused: this scenario's size is set by
 *   BENCH_DENSITY_CAP and BENCH_DENSITY_MAX
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(_config, env = process.env) {
  const rows = [];
  const notes = [];
  const failures = [];
  const cap = positiveInteger(env, 'BENCH_DENSITY_CAP', defaultCap());
  const max = positiveInteger(env, 'BENCH_DENSITY_MAX', Math.round(cap * 1.2));
  const steps = stepsFor(cap, max);

  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return {
      rows: steps.map((k) => ({ target: `${k} functions`, kind: 'density', status: 'skipped' })),
      notes,
      failures,
    };
  }

  let islet;
  try {
    islet = await startIslet({
      extraArgs: ['--max-environments', String(cap), '--executors', String(EXECUTORS)],
    });
  } catch (err) {
    failures.push(`islet did not start: ${err.message}`);
    return {
      rows: steps.map((k) => ({ target: `${k} functions`, kind: 'density', status: 'failed' })),
      notes,
      failures,
    };
  }

  const started = performance.now();
  try {
    const invokeUrl = (i) => `${islet.baseUrl}/2015-03-31/functions/${functionName(i)}/invocations`;
    await sleep(SETTLE_MS);
    const idle = isletRss(islet.pid);
    rows.push({
      target: 'no function run yet',
      kind: 'density',
      status: 'ok',
      baseline: true,
      deployed: 0,
      warmHeld: 0,
      rssMB: idle.totalKB / 1024,
      processes: idle.processes,
    });

    let deployed = 0;
    for (const k of steps) {
      const target = `${k} functions`;
      try {
        const t0 = performance.now();
        console.error(`${name}: deploying functions ${deployed}..${k - 1}`);
        await deployAll(
          islet.baseUrl,
          Array.from({ length: k - deployed }, (_, i) => functionName(deployed + i)),
          (i) => source(deployed + i),
          DEPLOY_CONCURRENCY,
        );
        const previous = deployed;
        deployed = k;
        const t1 = performance.now();
        console.error(`${name}: invoking all ${k} functions once, ${INVOKE_CONCURRENCY} in flight`);
        const pass = await invokeAll(
          Array.from({ length: k }, (_, i) => invokeUrl(i)),
          INVOKE_CONCURRENCY,
        );
        const t2 = performance.now();
        await sleep(SETTLE_MS);
        const rss = isletRss(islet.pid);
        const warmHeld = Math.min(k, cap);
        // One at a time (nothing else in flight, so no call spills to the other executor), most
        // recently used first: a cold start evicts its executor's least recently used
        // environment, and in the other order that would be the next function checked, so one
        // eviction would cascade through the rest of the check.
        const again = await invokeAll(
          Array.from({ length: Math.min(REINVOKE_COUNT, k) }, (_, i) => invokeUrl(i)).reverse(),
          1,
        );
        const row = {
          target,
          kind: 'density',
          status: 'ok',
          deployed: k,
          warmHeld,
          rssMB: rss.totalKB / 1024,
          rssPerWarmKB: (rss.totalKB - idle.totalKB) / warmHeld,
          coldInPass: pass.cold,
          // Cold starts of functions that were already warm: spill-over (see describe).
          coldOfWarm: pass.cold - (k - previous),
          coldOnReinvoke: again.cold,
          reinvoked: again.calls,
          processes: rss.processes,
          deploySeconds: (t1 - t0) / 1000,
          passSeconds: (t2 - t1) / 1000,
        };
        rows.push(row);
        const errors = pass.errors + again.errors;
        if (errors > 0)
          failures.push(`${target}: ${errors} invocations failed, e.g. ${pass.sample ?? again.sample}`);
      } catch (err) {
        failures.push(`${target}: ${err.message}`);
        rows.push({ target, kind: 'density', status: 'failed', reason: err.message });
        break;
      }
    }
  } finally {
    await islet.stop();
  }
  const elapsed = (performance.now() - started) / 1000;
  for (const k of steps.slice(rows.length - 1)) {
    rows.push({ target: `${k} functions`, kind: 'density', status: 'skipped' });
  }

  notes.push(...describe(rows, cap, steps, elapsed));
  return { rows, notes, failures };
}

/**
 * The target itself (5,000 warm functions, about 10 GB of RSS with the front and executors) where
 * the machine has the memory for it with room to spare, else 1,000 (and the notes extrapolate).
 */
function defaultCap() {
  return os.totalmem() >= 16 * 2 ** 30 ? TARGET.warmFunctions : 1000;
}

/** M/4, M/2, M, 1.5 M, up to `max` (and `max` itself if it falls between). */
export function stepsFor(cap, max) {
  const steps = new Set(
    [0.25, 0.5, 1, 1.5].map((f) => Math.max(1, Math.round(f * cap))).filter((k) => k <= max),
  );
  steps.add(max);
  return [...steps].sort((a, b) => a - b);
}

/** CreateFunction for every name, `concurrency` at a time; `code(i)` is the source of name i. */
async function deployAll(baseUrl, names, code, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      await createFunction(baseUrl, names[i], code(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
}

/** Invokes each URL once, `concurrency` at a time; counts cold starts (an Init Duration in the log). */
async function invokeAll(urls, concurrency) {
  let next = 0;
  let cold = 0;
  let errors = 0;
  let sample;
  const worker = async () => {
    while (next < urls.length) {
      const url = urls[next++];
      try {
        const res = await fetch(url, { method: 'POST', body: PAYLOAD, headers: HEADERS });
        const text = await res.text();
        if (res.status !== 200 || res.headers.get('x-amz-function-error')) {
          errors++;
          sample ??= `HTTP ${res.status}: ${text.slice(0, 200)}`;
          continue;
        }
        const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
        if (INIT_PATTERN.test(log)) cold++;
      } catch (err) {
        errors++;
        sample ??= err.cause?.code ?? err.message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return { calls: urls.length, cold, errors, sample };
}

/** VmRSS (KB) of the islet front process and of each of its children. */
function isletRss(pid) {
  const processes = processTree(pid).map((p) => ({ pid: p, rssKB: vmRssKB(p) }));
  return { totalKB: processes.reduce((sum, p) => sum + p.rssKB, 0), processes };
}

function vmRssKB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    // Exited between ps and the read.
    return 0;
  }
}

/**
 * The executor each function name goes to: islet's routing hash (src/runtime/executors.ts,
 * ExecutorPool.pick, a 31-multiplier string hash modulo the executor count), without spill-over.
 */
function executorOf(functionNameText, executors) {
  let h = 0;
  for (let i = 0; i < functionNameText.length; i++) h = (h * 31 + functionNameText.charCodeAt(i)) | 0;
  return Math.abs(h) % executors;
}

function describe(rows, cap, steps, elapsed) {
  const notes = [];
  const perExecutor = Math.max(1, Math.floor(cap / EXECUTORS));
  notes.push(
    `islet --executors ${EXECUTORS} --max-environments ${cap}: each executor keeps at most ${perExecutor} ` +
      `idle environments (the front and a standby executor also count in the RSS). Steps: ` +
      `${steps.join(', ')} functions; ${elapsed.toFixed(0)} s in all.`,
    `RSS per warm function = (total RSS after the step - total RSS before any function ran) / warm held, ` +
      'warm held = min(functions deployed, M). cold in pass: cold starts while invoking every function ' +
      `once (${INVOKE_CONCURRENCY} in flight); cold on re-invoke: how many of the first ${REINVOKE_COUNT} ` +
      'functions (the least recently used) were cold when called again, one at a time, 50th first.',
  );
  for (const row of rows) {
    if (row.status !== 'ok' || row.deployed === 0) continue;
    const split = Array(EXECUTORS).fill(0);
    for (let i = 0; i < row.deployed; i++) split[executorOf(functionName(i), EXECUTORS)]++;
    const over = split.some((count) => count > perExecutor);
    const expectation =
      row.deployed <= cap
        ? row.coldOnReinvoke === 0
          ? 'as expected (none evicted)'
          : over
            ? 'evictions before the total reaches M, because one executor holds more than its share'
            : 'no executor is over its share by name, so spill-over: during the pass, a call whose ' +
              'executor had more than 8 calls in flight beyond the other started cold on the other ' +
              'one, which then holds more than its share of environments and, near the cap, evicts ' +
              'its least recently used'
        : row.coldOnReinvoke > 0
          ? 'as expected (past M, the least recently used are evicted)'
          : 'unexpected: past M, yet nothing was evicted';
    notes.push(
      `${row.deployed} functions: deploy ${row.deploySeconds.toFixed(1)} s, pass ${row.passSeconds.toFixed(1)} s; ` +
        `functions per executor by name hash ${split.join('/')} (cap ${perExecutor} each); ` +
        `${row.coldOfWarm} of the pass's cold starts were of functions from earlier steps` +
        `${row.deployed <= cap ? ' (warm before the pass)' : ' (evicted)'}; ` +
        `${row.coldOnReinvoke} of ${row.reinvoked} cold on re-invoke: ${expectation}.`,
    );
  }

  // Extrapolation from the largest step that fits under the cap (the per-function cost there is
  // spread over the most environments, so the fixed costs weigh least).
  const fitting = rows.filter((r) => r.status === 'ok' && r.deployed > 0 && r.deployed <= cap);
  const basis = fitting.at(-1);
  const idle = rows.find((r) => r.deployed === 0 && r.status === 'ok');
  const atTarget = fitting.find((r) => r.warmHeld >= TARGET.warmFunctions);
  if (atTarget && idle) {
    const totalMB = os.totalmem() / 2 ** 20;
    notes.push(
      `Target: >= ${TARGET.warmFunctions} warm functions on one machine: measured, ${atTarget.warmHeld} held ` +
        `in ${atTarget.rssMB.toFixed(0)} MB of RSS in all (${((atTarget.rssMB / totalMB) * 100).toFixed(0)}% ` +
        `of this machine's ${(totalMB / 1024).toFixed(1)} GiB), ${atTarget.rssPerWarmKB.toFixed(0)} KB each; ` +
        `met. It needs --max-environments >= ${TARGET.warmFunctions} (islet's default is 4000).`,
    );
  } else if (basis && idle) {
    const totalMB = os.totalmem() / 2 ** 20;
    const projectedMB = idle.rssMB + (TARGET.warmFunctions * basis.rssPerWarmKB) / 1024;
    const fits = Math.floor(((totalMB - idle.rssMB) * 1024) / basis.rssPerWarmKB);
    notes.push(
      `Target: >= ${TARGET.warmFunctions} warm functions on one machine. At ${basis.rssPerWarmKB.toFixed(0)} KB ` +
        `per warm function (measured at ${basis.deployed}), ${TARGET.warmFunctions} would take about ` +
        `${projectedMB.toFixed(0)} MB of RSS in all, ${((projectedMB / totalMB) * 100).toFixed(0)}% of this ` +
        `machine's ${(totalMB / 1024).toFixed(1)} GiB: ${projectedMB < totalMB ? 'fits' : 'does not fit'} ` +
        `(all of RAM would hold about ${fits} at that rate). It also needs --max-environments >= ` +
        `${TARGET.warmFunctions} (islet's default is 4000) and a memory budget (--memory-budget-mb, default ` +
        'half of RAM up to 8192 MB) that the environments do not exhaust first.',
    );
  }
  return notes;
}

function positiveInteger(env, key, fallback) {
  if (env[key] === undefined || env[key] === '') return fallback;
  const value = Number(env[key]);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${key} must be a whole number > 0, got "${env[key]}"`);
  return value;
}
