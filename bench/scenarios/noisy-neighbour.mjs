/**
 * noisy-neighbour: how much a tenant that misbehaves costs a well-behaved one on the same islet.
 *
 * `bench-good` echoes its event (tiny JSON work). The bad function (Timeout 2 s, 128 MB)
 * misbehaves as its event says: `loop` spins forever (ended by the timeout), `hog` allocates
 * arrays until the memory cap, `hang` awaits a promise that never settles (ended by the timeout).
 *
 * For each islet layout, `bench-good` is measured solo (warm-up, then the measured run), then
 * again while four background callers keep the bad function busy for the whole run (each calls
 * it again as soon as its previous call returns, cycling loop, hog, hang). The noisy row's ratios
 * are to the solo row of the same layout. Every bad call must end in the function error its kind
 * calls for (Sandbox.Timedout, or Runtime.OutOfMemory for `hog`), and no islet process may crash
 * (the front must keep answering; executor crashes are read from islet's log).
 *
 * Layouts: the default (one executor per CPU), with the bad function named so that islet's name
 * hash routes it to another executor than `bench-good` (islet still spills a function's calls onto
 * a less busy executor when its own has more than 8 more in flight); then `--executors 1`, where
 * both functions share one executor process.
 */
import fs from 'node:fs';
import os from 'node:os';
import { api, ISLET_MISSING_MESSAGE, isletBuilt, startIslet, zipBase64 } from '../lib/islet.mjs';
import { checkResponse, measure, runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';

export const name = 'noisy-neighbour';
export const description =
  'A well-behaved function (tiny JSON echo) solo vs while another function spins, hogs memory ' +
  'and hangs (4 concurrent calls throughout), on separate executors (default) and on one executor.';

/** The project's target: the good tenant keeps at least this share of its solo throughput. */
export const TARGET = { minReqPerSecRatio: 0.8 };

/** Calls of the bad function kept in flight during the noisy run. */
const BAD_CONCURRENCY = 4;
const BAD_KINDS = ['loop', 'hog', 'hang'];
/** The function error each misbehaviour must end in. */
const EXPECTED_ERRORS = {
  loop: ['Sandbox.Timedout', 'Runtime.CpuLimitExceeded'],
  // A hog on the background executor (lowest priority, after its tenant's first timeout) may be
  // starved of CPU before it reaches its memory cap: then its timeout ends it.
  hog: ['Runtime.OutOfMemory', 'Sandbox.Timedout'],
  hang: ['Sandbox.Timedout'],
};
/** Lets the background callers get their first calls running before the measured run starts. */
const NOISE_LEAD_MS = 500;

const GOOD = 'bench-good';
const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const EXPECTED = { n: 5, name: 'x' };
const HEADERS = { 'content-type': 'application/json' };

const GOOD_FUNCTION = `exports.handler = async (event) => event;
`;

const BAD_FUNCTION = `exports.handler = async (event) => {
  if (event.kind === 'loop') {
    while (true) {}
  }
  if (event.kind === 'hog') {
    const keep = [];
    while (true) keep.push(new Array(1 << 20).fill(keep.length));
  }
  if (event.kind === 'hang') {
    await new Promise(() => {});
  }
  return { unknownKind: event.kind };
};
`;

/** Columns of this scenario's table (for a report that prints arbitrary columns). */
export const columns = [
  { key: 'target', label: 'Target' },
  { key: 'reqPerSec', label: 'req/s' },
  { key: 'p50', label: 'p50 ms' },
  { key: 'p99', label: 'p99 ms' },
  { key: 'errors', label: 'errors' },
  { key: 'reqPerSecRatio', label: 'req/s vs solo' },
  { key: 'p99Ratio', label: 'p99 vs solo' },
  { key: 'badCalls', label: 'bad calls' },
  { key: 'badExpected', label: 'bad as expected' },
  { key: 'crashes', label: 'islet crashes' },
];

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config) {
  const rows = [];
  const notes = [];
  const failures = [];

  const cpus = os.availableParallelism();
  const bad = badFunctionName(cpus);
  const layouts = [
    {
      label: `default, ${cpus} executor${cpus === 1 ? '' : 's'}`,
      extraArgs: [],
      placement: cpus > 1 ? `${bad} routed to another executor than ${GOOD}` : 'one CPU: one executor',
    },
    { label: '--executors 1', extraArgs: ['--executors', '1'], placement: 'both on the one executor' },
  ];

  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    for (const layout of layouts) {
      rows.push({ target: `good solo (${layout.label})`, kind: 'run', status: 'skipped' });
      rows.push({ target: `good + bad (${layout.label})`, kind: 'run', status: 'skipped' });
    }
    return { rows, notes, failures };
  }

  for (const layout of layouts) {
    const soloTarget = `good solo (${layout.label})`;
    const noisyTarget = `good + bad (${layout.label})`;
    try {
      const { solo, noisy } = await runLayout(layout, bad, config);
      rows.push(solo, noisy);
      noisy.reqPerSecRatio = noisy.reqPerSec / solo.reqPerSec;
      noisy.p99Ratio = noisy.p99 / solo.p99;
      solo.reqPerSecRatio = 1;
      solo.p99Ratio = 1;
      noisy.meetsTarget = noisy.reqPerSecRatio >= TARGET.minReqPerSecRatio;
      notes.push(
        `${layout.label} (${layout.placement}): with the bad tenant busy, ${GOOD} keeps ` +
          `${noisy.reqPerSecRatio.toFixed(2)}x its solo req/s (target >= ${TARGET.minReqPerSecRatio}x: ` +
          `${noisy.meetsTarget ? 'met' : 'missed'}) at ${noisy.p99Ratio.toFixed(2)}x its solo p99; ` +
          `bad calls: ${noisy.badCalls}, ${noisy.badExpected} ended as expected ` +
          `(${formatKinds(noisy.badByOutcome)}); spinning calls kept ~${noisy.badSpinCpus.toFixed(1)} of ` +
          `${os.availableParallelism()} CPUs busy; executor crashes: ${noisy.executorCrashes}, ` +
          `front crashes: ${noisy.frontCrashes}`,
      );
      if (noisy.badUnexpected > 0) {
        failures.push(
          `${noisyTarget}: ${noisy.badUnexpected} bad calls did not end in the expected function error ` +
            `(${formatKinds(noisy.badByOutcome)})`,
        );
      }
      if (solo.crashes + noisy.crashes > 0) {
        failures.push(
          `${layout.label}: islet crashed (${solo.executorCrashes + noisy.executorCrashes} executor ` +
            `crashes, ${solo.frontCrashes + noisy.frontCrashes} front crashes)`,
        );
      }
      if (noisy.badCalls === 0) failures.push(`${noisyTarget}: the bad function was never called`);
    } catch (err) {
      failures.push(`${layout.label}: ${err.message}`);
      rows.push({ target: soloTarget, kind: 'run', status: 'failed', reason: err.message });
      rows.push({ target: noisyTarget, kind: 'run', status: 'failed', reason: err.message });
    }
  }

  notes.unshift(
    `req/s vs solo = ${GOOD}'s throughput while the bad function runs, divided by its throughput ` +
      'alone on the same layout (1.00x: the neighbour costs nothing; 0.50x: it halves what the good ' +
      'tenant gets). p99 vs solo is the same for the 99th-percentile latency (lower is better). ' +
      `Project target: req/s >= ${TARGET.minReqPerSecRatio}x.`,
    `Noise: ${BAD_CONCURRENCY} bad calls in flight throughout, cycling ${BAD_KINDS.join('/')} ` +
      '(Timeout 2 s, 128 MB); a spinning call holds a CPU for its whole timeout, so on a machine with ' +
      'few cores the bad tenant takes CPU time the good one would have used.',
  );
  return { rows, notes, failures };
}

/** One islet: deploy both functions, then measure `good` solo and with the noise. */
async function runLayout(layout, bad, config) {
  const islet = await startIslet({ extraArgs: layout.extraArgs });
  try {
    await deployFunction(islet.baseUrl, GOOD, GOOD_FUNCTION, { timeoutSeconds: 3 });
    await deployFunction(islet.baseUrl, bad, BAD_FUNCTION, { timeoutSeconds: 2 });
    const target = {
      url: `${islet.baseUrl}/2015-03-31/functions/${GOOD}/invocations`,
      body: PAYLOAD,
      headers: HEADERS,
    };
    target.expectBody = await checkResponse(target, EXPECTED);

    const soloTarget = `good solo (${layout.label})`;
    console.error(
      `${name}: ${soloTarget}: ${config.warmupSeconds} s warm-up + ${config.durationSeconds} s, ` +
        `${config.connections} connections`,
    );
    const solo = { target: soloTarget, kind: 'run', status: 'ok', ...(await measure(target, config)) };
    // Nothing misbehaves during the solo run: the columns the noisy row fills are zero here.
    const soloCrashes = countLogEvents(islet.logPath, 'executor.crashed');
    Object.assign(solo, { badCalls: 0, badExpected: 0, badUnexpected: 0, executorCrashes: soloCrashes });
    solo.frontCrashes = (await frontAlive(islet.baseUrl)) ? 0 : 1;
    solo.crashes = solo.executorCrashes + solo.frontCrashes;

    const noisyTarget = `good + bad (${layout.label})`;
    console.error(
      `${name}: ${noisyTarget}: ${config.durationSeconds} s, ${config.connections} connections, ` +
        `${BAD_CONCURRENCY} bad calls in flight`,
    );
    const noise = startNoise(`${islet.baseUrl}/2015-03-31/functions/${bad}/invocations`);
    await sleep(NOISE_LEAD_MS);
    let measured;
    try {
      measured = await runLoad({
        ...target,
        connections: config.connections,
        durationSeconds: config.durationSeconds,
      });
    } finally {
      noise.stop();
    }
    const outcomes = await noise.done;

    // The front process still answers the control plane, and its log names every executor that
    // died (the front replaces it and fails only the calls it was running).
    const frontCrashes = (await frontAlive(islet.baseUrl)) ? 0 : 1;
    const executorCrashes = countLogEvents(islet.logPath, 'executor.crashed') - soloCrashes;
    const noisy = {
      target: noisyTarget,
      kind: 'run',
      status: 'ok',
      ...measured,
      executors: layout.extraArgs.length > 0 ? 1 : os.availableParallelism(),
      badFunction: bad,
      badCalls: outcomes.calls,
      badExpected: outcomes.expected,
      badUnexpected: outcomes.calls - outcomes.expected,
      badByOutcome: outcomes.byOutcome,
      badSpinCpus: outcomes.spinCpus,
      executorCrashes,
      frontCrashes,
      crashes: executorCrashes + frontCrashes,
    };
    return { solo, noisy };
  } finally {
    await islet.stop();
  }
}

/**
 * BAD_CONCURRENCY callers, each calling the bad function again as soon as its previous call ended,
 * until stop(); `done` resolves (after the calls in flight end) with what the calls ended in.
 */
function startNoise(url) {
  let stopped = false;
  let calls = 0;
  let expected = 0;
  let spinMs = 0;
  const startedAt = performance.now();
  const byOutcome = {};
  const count = (outcome) => {
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  };
  const caller = async (first) => {
    for (let i = first; !stopped; i++) {
      const kind = BAD_KINDS[i % BAD_KINDS.length];
      calls++;
      let outcome;
      const callStart = performance.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify({ kind }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        const functionError = res.headers.get('x-amz-function-error');
        if (res.status !== 200) outcome = `HTTP ${res.status}`;
        else if (!functionError) outcome = 'no error';
        else outcome = safeErrorType(text);
      } catch (err) {
        outcome = err.cause?.code ?? err.name;
      }
      // A spinning call holds a CPU for as long as it lasts.
      if (kind === 'loop') spinMs += performance.now() - callStart;
      if (EXPECTED_ERRORS[kind].includes(outcome)) expected++;
      count(`${kind}: ${outcome}`);
    }
  };
  const done = Promise.all(Array.from({ length: BAD_CONCURRENCY }, (_, i) => caller(i))).then(() => ({
    calls,
    expected,
    byOutcome,
    // CPUs kept busy by spinning calls, on average over the noise's lifetime (an upper bound: the
    // call's wall time, which includes its queueing and the HTTP round trip).
    spinCpus: spinMs / (performance.now() - startedAt),
  }));
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

function safeErrorType(text) {
  try {
    return JSON.parse(text).errorType ?? 'no errorType';
  } catch {
    return 'unparsable error';
  }
}

/**
 * A name for the bad function that islet's executor routing (src/runtime/executors.ts,
 * ExecutorPool.pick: a 31-multiplier string hash modulo the executor count) sends to another
 * executor than `bench-good`, when there is more than one.
 */
function badFunctionName(executors) {
  const slot = (s) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h) % executors;
  };
  for (let i = 0; i < 100; i++) {
    const candidate = i === 0 ? 'bench-bad' : `bench-bad-${i}`;
    if (executors === 1 || slot(candidate) !== slot(GOOD)) return candidate;
  }
  return 'bench-bad';
}

async function frontAlive(baseUrl) {
  try {
    await api(baseUrl, 'GET', '/2015-03-31/functions');
    return true;
  } catch {
    return false;
  }
}

function countLogEvents(logPath, event) {
  try {
    const needle = `"event":"${event}"`;
    return fs
      .readFileSync(logPath, 'utf8')
      .split('\n')
      .filter((line) => line.includes(needle)).length;
  } catch {
    return 0;
  }
}

/** CreateFunction (Node.js, 128 MB, the given Timeout), then waits until it is Active. */
async function deployFunction(baseUrl, functionName, source, { timeoutSeconds }) {
  await api(baseUrl, 'POST', '/2015-03-31/functions', {
    FunctionName: functionName,
    Runtime: 'nodejs20.x',
    Role: 'arn:aws:iam::123456789012:role/bench',
    Handler: 'index.handler',
    MemorySize: 128,
    Timeout: timeoutSeconds,
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

function formatKinds(byOutcome) {
  return Object.entries(byOutcome)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, n]) => `${outcome} x${n}`)
    .join(', ');
}
