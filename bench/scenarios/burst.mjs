/**
 * burst: scale-up from nothing. 200 callers start at the same instant against one function that
 * has no warm environment, so islet has to create an execution environment for nearly every one
 * of them while the others wait.
 *
 * The handler awaits a 50 ms timer (standing for I/O) and answers with an id drawn once per
 * environment, when its module is loaded. Distinct ids in the answers are the environments that
 * served the burst, i.e. the cold starts, counted from the outside without reading any log.
 *
 * Two islet processes, each fresh (no warm environment):
 * - the default account concurrency (1000): 200 callers fit, so there must be no throttle;
 * - `--concurrency 50`: 150 of the 200 callers are over the limit at any moment, so islet must
 *   answer them 429 TooManyRequestsException, promptly and cleanly (no 5xx, no dropped
 *   connection), while it keeps serving the 50 it admitted.
 *
 * Time to steady state: responses are counted in 100 ms windows from the moment the load starts;
 * it is the start of the first window from which every later window stays within 20% of the mean
 * of the last second's windows.
 */
import { api, ISLET_MISSING_MESSAGE, isletBuilt, startIslet, zipBase64 } from '../lib/islet.mjs';
import { runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';

export const name = 'burst';
export const description =
  'Burst scale-up: 0 -> 200 concurrent callers on one function (50 ms of awaited I/O, no warm ' +
  'environment) through the Invoke API, with the default account concurrency (1000) and with 50.';

/** Concurrent callers, all starting at once. */
const CALLERS = 200;
/** Length of each burst run in seconds (fixed: the ramp-up, not BENCH_DURATION, is the subject). */
const BURST_SECONDS = 5;
/** Width of the throughput windows used to find the steady state. */
const WINDOW_MS = 100;
/** The same rule on coarser windows, which a noisy machine's jitter does not defeat as easily. */
const COARSE_WINDOW_MS = 500;
/** The steady state is the mean of this last stretch of the run... */
const FINAL_MS = 1000;
/** ...and a window is steady when it is within this fraction of it. */
const STEADY_TOLERANCE = 0.2;

const FUNCTION_NAME = 'bench-burst';
/** Same code, another name: warms the islet process (JIT) without warming the burst's function. */
const WARMUP_FUNCTION_NAME = 'bench-burst-warmup';
const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const HEADERS = { 'content-type': 'application/json' };

// The id is drawn once per module load, i.e. once per execution environment.
const BURST_FUNCTION = `const envId = Math.random().toString(36).slice(2, 12);
exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { env: envId };
};
`;
const BODY_PATTERN = /^\{"env":"([0-9a-z]+)"\}$/;

/** Columns of this scenario's table (for a report that prints arbitrary columns). */
export const columns = [
  { key: 'target', label: 'Target' },
  { key: 'reqPerSec', label: 'req/s (2xx)' },
  { key: 'p50', label: 'p50 ms' },
  { key: 'p99', label: 'p99 ms' },
  { key: 'errors', label: 'errors' },
  { key: 'throttles', label: '429s' },
  { key: 'serverErrors', label: '5xx' },
  { key: 'coldStarts', label: 'cold starts' },
  { key: 'steadyStateMs', label: 'steady after ms' },
  { key: 'steadyStateCoarseMs', label: 'steady after ms (500 ms windows)' },
];

const VARIANTS = [
  { target: 'concurrency 1000 (default)', limit: 1000, extraArgs: [], expectThrottles: false },
  { target: 'concurrency 50', limit: 50, extraArgs: ['--concurrency', '50'], expectThrottles: true },
];

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 *   only the warm-up settings are used: the burst itself has a fixed shape (200 callers, 5 s)
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config) {
  const rows = [];
  const notes = [];
  const failures = [];

  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return {
      rows: VARIANTS.map((v) => ({ target: v.target, kind: 'burst', status: 'skipped' })),
      notes,
      failures,
    };
  }

  for (const variant of VARIANTS) {
    try {
      const row = await burstRun(variant, config);
      rows.push(row);
      checkRow(variant, row, failures);
    } catch (err) {
      failures.push(`${variant.target}: ${err.message}`);
      rows.push({ target: variant.target, kind: 'burst', status: 'failed', reason: err.message });
    }
  }

  notes.push(
    `${CALLERS} connections opened at once, ${BURST_SECONDS} s, against a function with no warm ` +
      'environment (islet itself warmed up on another function first); req/s counts 2xx answers ' +
      'only, p50/p99 are of 2xx answers and include the cold starts.',
    'cold starts = distinct environment ids in the answers (each environment draws one when its ' +
      `module loads); with ${CALLERS} callers and no limit in the way, expect about ${CALLERS}.`,
    `steady after = start of the first ${WINDOW_MS} ms window from which every window's 2xx count ` +
      `stays within ${STEADY_TOLERANCE * 100}% of the mean of the last ${FINAL_MS / 1000} s ('never' ` +
      `if the last second itself is not that stable); the second figure applies the same rule to ` +
      `${COARSE_WINDOW_MS} ms windows, which machine jitter does not defeat as easily.`,
  );
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    notes.push(
      `${row.target}: ${row.throttles} throttles (429), ${row.serverErrors} 5xx, ${row.errors} other ` +
        `errors, ${row.coldStarts} environments, first answer after ${formatMs(row.firstResponseMs)} ms, ` +
        `steady after ${steadyText(row.steadyStateMs)} (${steadyText(row.steadyStateCoarseMs)} on ` +
        `${COARSE_WINDOW_MS} ms windows; final second ${Math.round(row.finalPerSec)} req/s)`,
    );
  }
  return { rows, notes, failures };
}

/**
 * One fresh islet, warmed up on another function, then a burst on a function never invoked.
 * The warm-up is there so that the burst measures creating environments, not the JIT warming
 * up islet's own code (as a server that has been up a while would be).
 */
async function burstRun(variant, config) {
  const islet = await startIslet({ extraArgs: variant.extraArgs });
  try {
    const invokeUrl = (fn) => `${islet.baseUrl}/2015-03-31/functions/${fn}/invocations`;
    await deployFunction(islet.baseUrl, WARMUP_FUNCTION_NAME, BURST_FUNCTION);
    console.error(
      `${name}: ${variant.target}: warming islet up on another function, ${config.warmupSeconds} s, ` +
        `${config.connections} connections`,
    );
    await runLoad({
      url: invokeUrl(WARMUP_FUNCTION_NAME),
      body: PAYLOAD,
      headers: HEADERS,
      connections: Math.min(config.connections, variant.limit),
      durationSeconds: config.warmupSeconds,
    });
    await deployFunction(islet.baseUrl, FUNCTION_NAME, BURST_FUNCTION);
    // No call before the burst: the first request of each connection finds no warm environment.
    console.error(`${name}: ${variant.target}: ${CALLERS} connections at once for ${BURST_SECONDS} s`);
    return await measureBurst(variant, invokeUrl(FUNCTION_NAME));
  } finally {
    await islet.stop();
  }
}

async function measureBurst(variant, url) {
  const windows = new Array(Math.ceil((BURST_SECONDS * 1000) / WINDOW_MS)).fill(0);
  const environments = new Set();
  const statuses = new Map();
  let badBodies = 0;
  let badThrottles = 0;
  let firstResponseMs;
  let sampleBadBody;

  const t0 = performance.now();
  const onResponse = (status, body, _context, headers) => {
    const t = performance.now() - t0;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 429) {
      // A clean throttle names itself, as Lambda's does, so SDKs back off instead of failing.
      if (!String(body).includes('TooManyRequestsException') && !headers['x-amzn-errortype']) badThrottles++;
      return;
    }
    if (status < 200 || status >= 300) return;
    const match = BODY_PATTERN.exec(body);
    if (!match) {
      badBodies++;
      sampleBadBody ??= String(body).slice(0, 300);
      return;
    }
    environments.add(match[1]);
    firstResponseMs ??= t;
    const w = Math.floor(t / WINDOW_MS);
    if (w < windows.length) windows[w]++;
  };

  const result = await runLoad({
    url,
    body: PAYLOAD,
    headers: HEADERS,
    requests: [{ method: 'POST', body: PAYLOAD, headers: HEADERS, onResponse }],
    connections: CALLERS,
    durationSeconds: BURST_SECONDS,
  });

  const throttles = statuses.get(429) ?? 0;
  let serverErrors = 0;
  for (const [status, count] of statuses) if (status >= 500) serverErrors += count;
  // runLoad's errors: connection errors, timeouts and every non-2xx (429s included). Here a 429
  // is the expected answer of an over-limit call, counted on its own; a wrong body is an error.
  const errors = result.errors - throttles + badBodies + badThrottles;
  const finalWindows = windows.slice(-FINAL_MS / WINDOW_MS);
  const finalPerWindow = finalWindows.reduce((a, b) => a + b, 0) / finalWindows.length;
  return {
    target: variant.target,
    kind: 'burst',
    status: 'ok',
    concurrencyLimit: variant.limit,
    connections: CALLERS,
    durationSeconds: BURST_SECONDS,
    reqPerSec: result.succeeded / BURST_SECONDS,
    responsesPerSec: result.reqPerSec,
    p50: result.p50,
    p99: result.p99,
    errors,
    errorRate: errors / Math.max(1, result.requests + result.errors - throttles),
    timeouts: result.timeouts,
    requests: result.requests,
    succeeded: result.succeeded - badBodies,
    throttles,
    badThrottles,
    serverErrors,
    statusCounts: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])),
    coldStarts: environments.size,
    firstResponseMs: firstResponseMs === undefined ? null : round3(firstResponseMs),
    steadyStateMs: steadyStateMs(windows, WINDOW_MS),
    steadyStateCoarseMs: steadyStateMs(coarsen(windows, COARSE_WINDOW_MS / WINDOW_MS), COARSE_WINDOW_MS),
    finalPerSec: (finalPerWindow * 1000) / WINDOW_MS,
    windowMs: WINDOW_MS,
    windows,
    sampleBadBody,
  };
}

/**
 * The start (ms) of the first window after which every window is within the tolerance of the
 * mean of the windows of the final second; null when even the final second is not that stable
 * (or nothing was served).
 */
export function steadyStateMs(windows, windowMs) {
  const finalCount = FINAL_MS / windowMs;
  const finalPerWindow = windows.slice(-finalCount).reduce((a, b) => a + b, 0) / finalCount;
  if (!(finalPerWindow > 0)) return null;
  const steady = (n) => Math.abs(n - finalPerWindow) <= STEADY_TOLERANCE * finalPerWindow;
  let first = windows.length;
  while (first > 0 && steady(windows[first - 1])) first--;
  // The band has to hold over the whole final second, which defines it.
  if (first > windows.length - finalCount) return null;
  return first * windowMs;
}

/** Sums every `factor` consecutive windows into one. */
function coarsen(windows, factor) {
  const out = [];
  for (let i = 0; i < windows.length; i += factor) {
    out.push(windows.slice(i, i + factor).reduce((a, b) => a + b, 0));
  }
  return out;
}

function checkRow(variant, row, failures) {
  if (row.serverErrors > 0) failures.push(`${variant.target}: ${row.serverErrors} 5xx answers`);
  if (row.errors > 0) {
    failures.push(
      `${variant.target}: ${row.errors} errors (connection errors, timeouts, wrong bodies or unclean ` +
        `429s)${row.sampleBadBody ? `, e.g. ${row.sampleBadBody}` : ''}`,
    );
  }
  if (!variant.expectThrottles && row.throttles > 0) {
    failures.push(`${variant.target}: ${row.throttles} throttles, expected none under the limit`);
  }
  if (variant.expectThrottles && row.throttles === 0) {
    failures.push(`${variant.target}: no throttle with ${CALLERS} callers over a limit of ${variant.limit}`);
  }
  if (row.coldStarts > variant.limit) {
    failures.push(`${variant.target}: ${row.coldStarts} environments, more than the limit ${variant.limit}`);
  }
}

/** CreateFunction (Node.js, 128 MB), then waits until it is Active. */
async function deployFunction(baseUrl, functionName, source) {
  await api(baseUrl, 'POST', '/2015-03-31/functions', {
    FunctionName: functionName,
    Runtime: 'nodejs20.x',
    Role: 'arn:aws:iam::123456789012:role/bench',
    Handler: 'index.handler',
    MemorySize: 128,
    Code: { ZipFile: await zipBase64(source) },
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const fn = await api(baseUrl, 'GET', `/2015-03-31/functions/${functionName}`);
    const state = fn?.Configuration?.State;
    if (state === undefined || state === 'Active') return;
    if (state === 'Failed')
      throw new Error(`${functionName} failed to create: ${fn.Configuration.StateReason}`);
    await sleep(50);
  }
  throw new Error(`${functionName} not Active after 10 s`);
}

function round3(ms) {
  return Math.round(ms * 1000) / 1000;
}

function steadyText(ms) {
  return ms === null ? 'never' : `${ms} ms`;
}

function formatMs(ms) {
  return ms === null ? '-' : ms.toFixed(0);
}
