/**
 * cold-start: the first invocation of N distinct functions (BENCH_COLD_N, default 100), alone and
 * under background load, with the Init Duration islet reports and the wall time the caller sees.
 *
 * One islet process (default executors). Each function is a tiny handler whose zip differs from
 * the others by a comment carrying its index, so every one is a distinct deployment package (no
 * shared compiled code). Each is invoked once, one call at a time, with `X-Amz-Log-Type: Tail`:
 * the Init Duration comes from the REPORT line in the decoded `X-Amz-Log-Result` (Lambda prints it
 * on cold starts only), the wall time is measured here, from sending the request to the end of
 * the answer.
 *
 * Then the same with a fresh set of N functions while autocannon keeps 16 connections on a warm
 * function for the whole measurement. Each phase also calls its first function N more times, now
 * warm, as the baseline that makes the cold-start premium visible.
 *
 * Before measuring, islet is warmed up as a server that has been up a while would be: a short
 * load on the background function (JIT of the invoke path), and a few cold starts of throwaway
 * functions (JIT of the cold-start path), none of them counted.
 */
import autocannon from 'autocannon';
import { createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { checkResponse, LatencyRecorder, runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';

export const name = 'cold-start';
export const description =
  'First invocation of N distinct functions (Invoke API, one at a time): Init Duration as reported ' +
  'in the REPORT line, and client wall time, alone and under a 16-connection background load; a ' +
  'warm invoke of the same functions as baseline.';

/** The project's target for cold starts (Init Duration). */
export const TARGET = { maxP50Ms: 2, maxP99Ms: 5 };

/** Columns of this scenario's table. */
export const columns = [
  { key: 'target', label: 'Target' },
  { key: 'n', label: 'n', format: 'int' },
  { key: 'initReported', label: 'with Init', format: 'int' },
  { key: 'initP50', label: 'init p50 ms', format: 'ms' },
  { key: 'initP99', label: 'init p99 ms', format: 'ms' },
  { key: 'wallP50', label: 'wall p50 ms', format: 'ms' },
  { key: 'wallP99', label: 'wall p99 ms', format: 'ms' },
];

/** Background load: connections kept on the warm function while the cold starts run. */
const BACKGROUND_CONNECTIONS = 16;
/** Lets the background load reach its pace before the first measured call. */
const BACKGROUND_LEAD_MS = 1000;
/** Cold starts of throwaway functions before measuring (JIT of islet's cold-start path). */
const WARMUP_COLD_STARTS = 5;
/** Functions created at once while deploying. */
const DEPLOY_CONCURRENCY = 16;

const BACKGROUND_FUNCTION = 'bench-cold-bg';
const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const HEADERS = { 'content-type': 'application/json' };
const BACKGROUND_SOURCE = `exports.handler = async (event) => ({ hello: event.name });
`;

/** A tiny handler; the comment makes each function's zip (and code hash) distinct. */
function coldSource(index) {
  return `// cold-start function ${index}
exports.handler = async (event) => ({ hello: event.name, i: ${index} });
`;
}

const INIT_PATTERN = /Init Duration: ([\d.]+) ms/;
/** The REPORT line's Duration: the handler call itself (Init not included). */
const DURATION_PATTERN = /\tDuration: ([\d.]+) ms/;

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 *   only warmupSeconds is used (the length of islet's warm-up load)
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config, env = process.env) {
  const rows = [];
  const notes = [];
  const failures = [];
  const n = positiveInteger(env, 'BENCH_COLD_N', 100);
  const targets = [
    'cold start, alone',
    'warm invoke, alone',
    'cold start, under load',
    'warm invoke, under load',
  ];

  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return { rows: targets.map((target) => ({ target, kind: 'cold', status: 'skipped' })), notes, failures };
  }

  let islet;
  try {
    islet = await startIslet();
  } catch (err) {
    failures.push(`islet did not start: ${err.message}`);
    return { rows: targets.map((target) => ({ target, kind: 'cold', status: 'failed' })), notes, failures };
  }

  let background;
  try {
    const { baseUrl } = islet;
    const invokeUrl = (fn) => `${baseUrl}/2015-03-31/functions/${fn}/invocations`;

    // Warm-up: the background function (also the load's target), a short load on it, then a few
    // cold starts of throwaway functions.
    await createFunction(baseUrl, BACKGROUND_FUNCTION, BACKGROUND_SOURCE);
    const background200 = await checkResponse(
      { url: invokeUrl(BACKGROUND_FUNCTION), body: PAYLOAD, headers: HEADERS },
      { hello: 'x' },
    );
    console.error(
      `${name}: warming islet up, ${config.warmupSeconds} s, ${BACKGROUND_CONNECTIONS} connections`,
    );
    await runLoad({
      url: invokeUrl(BACKGROUND_FUNCTION),
      body: PAYLOAD,
      headers: HEADERS,
      connections: BACKGROUND_CONNECTIONS,
      durationSeconds: config.warmupSeconds,
    });
    const warmupNames = Array.from({ length: WARMUP_COLD_STARTS }, (_, i) => `bench-cold-warmup-${i}`);
    await deployAll(baseUrl, warmupNames, (i) => coldSource(-1 - i));
    for (const fn of warmupNames) await invokeOnce(invokeUrl(fn));

    // Alone.
    const aloneNames = Array.from({ length: n }, (_, i) => `bench-cold-a${i}`);
    console.error(`${name}: deploying ${n} functions`);
    await deployAll(baseUrl, aloneNames, coldSource);
    console.error(`${name}: cold start of ${n} functions, one at a time, alone`);
    rows.push(await measureCalls('cold start, alone', aloneNames.map(invokeUrl), failures));
    rows.push(await measureCalls('warm invoke, alone', Array(n).fill(invokeUrl(aloneNames[0])), failures));

    // Under background load: a fresh set, deployed before the load starts.
    const loadedNames = Array.from({ length: n }, (_, i) => `bench-cold-b${i}`);
    console.error(`${name}: deploying ${n} more functions`);
    await deployAll(baseUrl, loadedNames, (i) => coldSource(n + i));
    console.error(
      `${name}: cold start of ${n} functions, one at a time, under ${BACKGROUND_CONNECTIONS} connections of load`,
    );
    background = startBackground(invokeUrl(BACKGROUND_FUNCTION), background200);
    await sleep(BACKGROUND_LEAD_MS);
    rows.push(await measureCalls('cold start, under load', loadedNames.map(invokeUrl), failures));
    rows.push(
      await measureCalls('warm invoke, under load', Array(n).fill(invokeUrl(loadedNames[0])), failures),
    );
    const bg = await background.stop();
    background = undefined;
    for (const row of rows.slice(2)) row.backgroundReqPerSec = bg.reqPerSec;
    notes.push(
      `Background load: ${BACKGROUND_CONNECTIONS} connections on a warm function (${bg.reqPerSec.toFixed(0)} ` +
        `req/s, ${bg.errors} errors) from ${BACKGROUND_LEAD_MS / 1000} s before the first measured call ` +
        'to the last.',
    );
    if (bg.errors > 0) failures.push(`background load: ${bg.errors} errors`);
  } catch (err) {
    failures.push(err.message);
    for (const target of targets.slice(rows.length)) rows.push({ target, kind: 'cold', status: 'failed' });
  } finally {
    if (background) await background.stop().catch(() => {});
    await islet.stop();
  }

  for (const [i, row] of rows.entries()) {
    row.baseline = row.target.startsWith('warm');
    if (row.status !== 'ok') continue;
    const cold = !row.baseline;
    if (cold && row.initReported < row.n) {
      failures.push(
        `${row.target}: only ${row.initReported} of ${row.n} first calls reported an Init Duration`,
      );
    }
    if (!cold && row.initReported > 0) {
      notes.push(
        `${row.target}: ${row.initReported} of ${row.n} warm calls reported an Init Duration (were cold)`,
      );
    }
    if (!cold) continue;
    row.meetsTarget = row.initP50 <= TARGET.maxP50Ms && row.initP99 <= TARGET.maxP99Ms;
    const warm = rows[i + 1];
    const premium =
      warm?.status === 'ok'
        ? `; cold-start premium on the wall time: +${(row.wallP50 - warm.wallP50).toFixed(2)} ms at p50, ` +
          `+${(row.wallP99 - warm.wallP99).toFixed(2)} ms at p99 over the warm invoke (REPORT Duration, ` +
          `the handler call, p50 ${fixed(row.durationP50)} ms cold vs ${fixed(warm.durationP50)} ms warm)`
        : '';
    notes.push(
      `${row.target}: Init Duration p50 ${row.initP50.toFixed(2)} ms (target <= ${TARGET.maxP50Ms} ms: ` +
        `${missedBy(row.initP50, TARGET.maxP50Ms)}), p99 ${row.initP99.toFixed(2)} ms (target <= ` +
        `${TARGET.maxP99Ms} ms: ${missedBy(row.initP99, TARGET.maxP99Ms)})` +
        `${premium}. Judged on the wall time instead: p50 ${row.wallP50.toFixed(2)} ms ` +
        `(${missedBy(row.wallP50, TARGET.maxP50Ms)}), p99 ${row.wallP99.toFixed(2)} ms ` +
        `(${missedBy(row.wallP99, TARGET.maxP99Ms)}).`,
    );
  }
  notes.unshift(
    `n = calls measured (one at a time); with Init = calls whose REPORT line carried an Init Duration ` +
      `(cold starts; the warm rows should have none). init = Init Duration as islet reports it; wall = ` +
      'from sending the Invoke request to the end of its answer, on the client. ' +
      `Each function is a distinct zip; islet was warmed up first (${WARMUP_COLD_STARTS} throwaway cold ` +
      'starts and a short load), as a server that has been running would be. ' +
      `Project target: cold start p50 <= ${TARGET.maxP50Ms} ms and p99 <= ${TARGET.maxP99Ms} ms.`,
  );
  return { rows, notes, failures };
}

/** Calls each URL once, in order, one at a time; one row of Init and wall percentiles. */
async function measureCalls(target, urls, failures) {
  const init = new LatencyRecorder();
  const wall = new LatencyRecorder();
  const duration = new LatencyRecorder();
  let errors = 0;
  let sampleError;
  for (const url of urls) {
    const call = await invokeOnce(url);
    if (!call.ok) {
      errors++;
      sampleError ??= call.error;
      continue;
    }
    wall.record(call.wallMs);
    if (call.initMs !== undefined) init.record(call.initMs);
    if (call.durationMs !== undefined) duration.record(call.durationMs);
  }
  if (errors > 0) failures.push(`${target}: ${errors} of ${urls.length} calls failed, e.g. ${sampleError}`);
  return {
    target,
    kind: 'cold',
    status: 'ok',
    n: wall.count,
    errors,
    initReported: init.count,
    initP50: init.count > 0 ? init.percentile(50) : null,
    initP99: init.count > 0 ? init.percentile(99) : null,
    wallP50: wall.percentile(50),
    wallP99: wall.percentile(99),
    durationP50: duration.count > 0 ? duration.percentile(50) : null,
  };
}

/** One synchronous Invoke with the log tail; its wall time and reported Init Duration. */
async function invokeOnce(url) {
  const started = performance.now();
  let res;
  let text;
  try {
    res = await fetch(url, {
      method: 'POST',
      body: PAYLOAD,
      headers: { ...HEADERS, 'x-amz-log-type': 'Tail' },
    });
    text = await res.text();
  } catch (err) {
    return { ok: false, error: err.cause?.code ?? err.message };
  }
  const wallMs = performance.now() - started;
  const functionError = res.headers.get('x-amz-function-error');
  if (res.status !== 200 || functionError) {
    return {
      ok: false,
      error: `HTTP ${res.status}${functionError ? ` ${functionError}` : ''}: ${text.slice(0, 200)}`,
    };
  }
  const log = Buffer.from(res.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
  const match = INIT_PATTERN.exec(log);
  const duration = DURATION_PATTERN.exec(log);
  return {
    ok: true,
    wallMs,
    initMs: match ? Number(match[1]) : undefined,
    durationMs: duration ? Number(duration[1]) : undefined,
  };
}

/**
 * autocannon on the warm function until stop() (it is given a long duration and stopped early);
 * stop() resolves with its rate and error count.
 */
function startBackground(url, expectBody) {
  const instance = autocannon({
    url,
    method: 'POST',
    body: PAYLOAD,
    headers: HEADERS,
    expectBody,
    connections: BACKGROUND_CONNECTIONS,
    duration: 3600,
    pipelining: 1,
  });
  const started = performance.now();
  const done = new Promise((resolve, reject) => {
    instance.once('done', resolve);
    instance.once('error', reject);
  });
  let stopping;
  return {
    stop: () => {
      stopping ??= (async () => {
        instance.stop();
        const result = await done;
        const seconds = (performance.now() - started) / 1000;
        return {
          reqPerSec: result.requests.total / seconds,
          errors: result.errors + result.non2xx + result.mismatches,
        };
      })();
      return stopping;
    },
  };
}

/** CreateFunction for every name, DEPLOY_CONCURRENCY at a time; `source(i)` is the code of name i. */
async function deployAll(baseUrl, names, source, concurrency = DEPLOY_CONCURRENCY) {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      await createFunction(baseUrl, names[i], source(i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
}

function fixed(ms) {
  return ms === null || ms === undefined ? '-' : ms.toFixed(2);
}

/** "met", or by how much the value is over the target. */
function missedBy(value, target) {
  if (value <= target) return 'met';
  return `missed by ${(value - target).toFixed(2)} ms, ${(value / target).toFixed(1)}x the target`;
}

function positiveInteger(env, key, fallback) {
  if (env[key] === undefined || env[key] === '') return fallback;
  const value = Number(env[key]);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${key} must be a whole number > 0, got "${env[key]}"`);
  return value;
}
