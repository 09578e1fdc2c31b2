/**
 * Load generation with autocannon, run programmatically in this process.
 */
import autocannon from 'autocannon';
import { cpuTimesMs, processTree } from './process.mjs';

/** Benchmark settings, from the environment so CI and quick local runs can shorten them. */
export function loadConfig(env = process.env) {
  return {
    durationSeconds: positiveNumber(env, 'BENCH_DURATION', 10),
    connections: positiveInteger(env, 'BENCH_CONNECTIONS', 32),
    // Long enough for the JIT to optimise the hot paths and for keep-alive connections to open,
    // so the measured run does not include start-up costs.
    warmupSeconds: 2,
  };
}

/**
 * One autocannon run. `expectBody` makes a response with a different body count as an error:
 * a Lambda Invoke whose handler throws still answers 200 (with X-Amz-Function-Error), so the
 * status code alone would let a broken function look like a fast one.
 *
 * Latency percentiles are computed here rather than taken from autocannon's result, whose
 * histogram stores whole milliseconds: on a local server answering in well under 1 ms, that makes
 * p50 read 0 and p99 read 1, and a p99 ratio of two such numbers says nothing.
 *
 * `requests` is passed to autocannon as is, for targets that need a different body per request
 * (its `setupRequest(req)` runs just before each request is written).
 *
 * @returns {Promise<{ reqPerSec: number, p50: number, p99: number, errors: number,
 *   timeouts: number, requests: number, succeeded: number, errorRate: number }>}
 */
export async function runLoad({ url, body, headers, expectBody, requests, connections, durationSeconds }) {
  const latencies = new LatencyRecorder();
  const instance = autocannon({
    url,
    method: 'POST',
    body,
    headers,
    // autocannon refuses expectBody together with `requests`; verifyBody is the same check.
    ...(requests === undefined
      ? { expectBody }
      : { requests, verifyBody: expectBody === undefined ? undefined : (text) => text === expectBody }),
    connections,
    duration: durationSeconds,
    pipelining: 1,
  });
  // responseTime is in ms from process.hrtime. Like autocannon, only 2xx latencies count: errors
  // are counted separately and would otherwise make a failing target look fast.
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.record(responseTime);
  });
  const result = await instance;
  const errors = result.errors + result.non2xx + result.mismatches;
  return {
    reqPerSec: result.requests.average,
    p50: latencies.percentile(50),
    p99: latencies.percentile(99),
    // autocannon already counts timeouts within `errors` (connection errors and timeouts).
    errors,
    timeouts: result.timeouts,
    // Responses received, of any status; connection errors and timeouts never produced one.
    requests: result.requests.total,
    // 2xx responses (a body mismatch is still counted here, and as an error above).
    succeeded: latencies.count,
    errorRate: errors / Math.max(1, result.requests.total + result.errors),
  };
}

/**
 * Every latency of a run, kept exactly: a few MB for a 10 s run, and sorting once at the end
 * costs nothing next to the run itself, so there is no need for a bucketed histogram.
 */
export class LatencyRecorder {
  #values = new Float64Array(1 << 16);
  #count = 0;
  #sorted = false;

  get count() {
    return this.#count;
  }

  record(ms) {
    if (this.#count === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#count++] = ms;
    this.#sorted = false;
  }

  /** Nearest-rank percentile in ms, rounded to the microsecond; 0 when nothing was recorded. */
  percentile(p) {
    if (this.#count === 0) return 0;
    const values = this.#values.subarray(0, this.#count);
    if (!this.#sorted) {
      values.sort();
      this.#sorted = true;
    }
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    return Math.round(values[rank - 1] * 1000) / 1000;
  }
}

/**
 * A warm-up run whose numbers are thrown away, then the measured run. With `serverPid`, the row
 * also gets the CPU time the server (that process and its children) spent per response during the
 * measured run, in µs: `serverCpuUs`, and `serverCpuUsByProcess` (the front first).
 */
export async function measure(target, config, serverPid) {
  await runLoad({ ...target, connections: config.connections, durationSeconds: config.warmupSeconds });
  const pids = serverPid === undefined ? [] : processTree(serverPid);
  const before = cpuTimesMs(pids);
  const result = await runLoad({
    ...target,
    connections: config.connections,
    durationSeconds: config.durationSeconds,
  });
  if (serverPid === undefined || result.requests === 0) return result;
  const after = cpuTimesMs(pids);
  const perResponse = pids.map((pid) => ((after[pid] - before[pid]) * 1000) / result.requests);
  return {
    ...result,
    serverCpuUs: perResponse.reduce((sum, us) => sum + us, 0),
    serverCpuUsByProcess: perResponse.filter((us, i) => i === 0 || us > 0),
  };
}

/**
 * Sends the request once and checks the answer before any load is applied, so a misconfigured
 * target fails with a readable message instead of a table full of errors. Returns the exact body
 * text, which then becomes autocannon's `expectBody`.
 */
export async function checkResponse({ url, body, headers }, expected) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Reported below as a mismatch.
  }
  if (res.status !== 200 || !sameJson(parsed, expected)) {
    const functionError = res.headers.get('x-amz-function-error');
    throw new Error(
      `POST ${url} answered HTTP ${res.status}${functionError ? ` (function error: ${functionError})` : ''} ` +
        `with ${text.slice(0, 500)}; expected ${JSON.stringify(expected)}`,
    );
  }
  return text;
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function positiveNumber(env, name, fallback) {
  if (env[name] === undefined || env[name] === '') return fallback;
  const value = Number(env[name]);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${env[name]}"`);
  return value;
}

function positiveInteger(env, name, fallback) {
  const value = positiveNumber(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${env[name]}"`);
  return value;
}
