/**
 * warm-invoke: the per-request overhead of islet on a warm function, measured against a plain
 * Hono app doing the same work. Both parse `{"n":5,"name":"x"}`, sum 1..n, and answer
 * `{"hello":"x","sum":15}`: the work is deliberately tiny so the numbers are dominated by what
 * sits around it (HTTP, API routing, event mapping, the call into the isolate).
 *
 * Order: hono, islet invoke, islet URL, hono again. The baseline is the mean of the two Hono runs,
 * which brackets the islet runs in time, so drift (thermal throttling, noisy neighbours) affects
 * both sides alike, and the gap between the two Hono runs shows how noisy the machine is.
 */
import { startHonoBaseline } from '../lib/baselines.mjs';
import {
  createFunction,
  createFunctionUrl,
  ISLET_MISSING_MESSAGE,
  isletBuilt,
  startIslet,
} from '../lib/islet.mjs';
import { checkResponse } from '../lib/load.mjs';
import { RUN_COLUMNS } from '../lib/report.mjs';
import { meanRow, measureRow, signedPercent } from '../lib/rows.mjs';

export const name = 'warm-invoke';
export const description =
  'Warm function, tiny JSON work: islet Invoke API and function URL vs a plain Hono app (child process).';

/**
 * The load columns, plus the CPU time the server's processes spent per response (islet: the front
 * and its executors), which says where the gap to the baseline goes when req/s alone cannot: on
 * this 2-core box autocannon takes one core, so the servers share the other.
 */
export const columns = [...RUN_COLUMNS, { key: 'serverCpuUs', label: 'server CPU µs/req', format: 'fixed1' }];

/** The project's performance target for warm invocations, relative to the Hono baseline. */
export const TARGET = { minReqPerSecRatio: 0.8, maxP99Ratio: 1.5 };

const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const EXPECTED = { hello: 'x', sum: 15 };
const HEADERS = { 'content-type': 'application/json' };

// The same loop as bench/baselines/hono-server.mjs, so both sides do identical work.
const INVOKE_FUNCTION = `exports.handler = async (event) => {
  let sum = 0;
  for (let i = 1; i <= event.n; i++) sum += i;
  return { hello: event.name, sum };
};
`;

// A function URL delivers a payload 2.0 HTTP event whose body is the raw request string, so the
// handler parses it itself (which is what the Hono app does with c.req.json()).
const URL_FUNCTION = `exports.handler = async (event) => {
  const e = JSON.parse(event.body);
  let sum = 0;
  for (let i = 1; i <= e.n; i++) sum += i;
  return { hello: e.name, sum };
};
`;

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config) {
  const failures = [];
  const notes = [];

  if (!isletBuilt()) {
    // Say so before spending time on the baseline, which is still measured and reported.
    console.error(`${name}: ${ISLET_MISSING_MESSAGE} (measuring the Hono baseline only)`);
  }

  const hono = await startHonoBaseline();
  let honoRuns;
  let isletRows;
  try {
    const honoTarget = { url: `${hono.baseUrl}/work`, body: PAYLOAD, headers: HEADERS };
    honoTarget.expectBody = await checkResponse(honoTarget, EXPECTED);

    const honoFirst = await measureRow(name, 'hono (run 1)', honoTarget, config, hono.pid);
    isletRows = await runIslet(config, failures);
    const honoSecond = await measureRow(name, 'hono (run 2)', honoTarget, config, hono.pid);
    honoRuns = [honoFirst, honoSecond];
  } finally {
    await hono.stop();
  }

  const baseline = meanRow('hono baseline (mean)', honoRuns);
  const rows = [...honoRuns, baseline, ...isletRows];
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    row.reqPerSecRatio = row.reqPerSec / baseline.reqPerSec;
    row.p99Ratio = row.p99 / baseline.p99;
  }

  const drift = honoRuns[1].reqPerSec / honoRuns[0].reqPerSec - 1;
  notes.push(
    `Hono run 2 vs run 1: ${signedPercent(drift)} req/s` +
      (Math.abs(drift) > 0.1 ? ' (more than 10%: the machine is noisy, treat ratios with care)' : ''),
  );
  for (const row of isletRows) {
    if (row.status !== 'ok') continue;
    const [front, ...executors] = row.serverCpuUsByProcess ?? [];
    if (front !== undefined)
      notes.push(
        `${row.target}: server CPU per response ${row.serverCpuUs.toFixed(1)} µs = front ${front.toFixed(1)}` +
          executors.map((us) => ` + executor ${us.toFixed(1)}`).join('') +
          ` (Hono ${baseline.serverCpuUs?.toFixed(1) ?? '?'} µs)`,
      );
    row.meetsTarget = row.reqPerSecRatio >= TARGET.minReqPerSecRatio && row.p99Ratio <= TARGET.maxP99Ratio;
    notes.push(
      `${row.target}: ${row.reqPerSecRatio.toFixed(2)}x req/s (target >= ${TARGET.minReqPerSecRatio}x), ` +
        `${row.p99Ratio.toFixed(2)}x p99 (target <= ${TARGET.maxP99Ratio}x): ` +
        (row.meetsTarget ? 'target met' : 'target missed'),
    );
  }

  return { rows, notes, failures };
}

/**
 * Both islet variants against one islet process. A failure in one variant (deploy, wrong answer,
 * crash) becomes a 'failed' row and a failure message, so the table is still printed.
 */
async function runIslet(config, failures) {
  const variants = [
    { target: 'islet invoke', setup: setupInvoke },
    { target: 'islet URL', setup: setupUrl },
  ];
  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return variants.map((v) => ({
      target: v.target,
      kind: 'run',
      status: 'skipped',
      reason: ISLET_MISSING_MESSAGE,
    }));
  }

  let islet;
  try {
    islet = await startIslet();
  } catch (err) {
    failures.push(`islet did not start: ${err.message}`);
    return variants.map((v) => ({
      target: v.target,
      kind: 'run',
      status: 'failed',
      reason: 'islet did not start',
    }));
  }

  const rows = [];
  try {
    for (const variant of variants) {
      try {
        const target = await variant.setup(islet.baseUrl);
        // The check is also the warming call: the first invoke creates the isolate and loads the
        // code, which is the cold start, measured by a different scenario.
        target.expectBody = await checkResponse(target, EXPECTED);
        rows.push(await measureRow(name, variant.target, target, config, islet.pid));
      } catch (err) {
        failures.push(`${variant.target}: ${err.message}`);
        rows.push({ target: variant.target, kind: 'run', status: 'failed', reason: err.message });
      }
    }
  } finally {
    await islet.stop();
  }
  return rows;
}

/** Lambda Invoke API: POST .../invocations with the event as the body. */
async function setupInvoke(baseUrl) {
  await createFunction(baseUrl, 'bench-warm', INVOKE_FUNCTION);
  return {
    url: `${baseUrl}/2015-03-31/functions/bench-warm/invocations`,
    body: PAYLOAD,
    headers: HEADERS,
  };
}

/** Function URL (AuthType NONE): plain HTTP in, payload 2.0 event to the handler. */
async function setupUrl(baseUrl) {
  await createFunction(baseUrl, 'bench-url', URL_FUNCTION);
  const url = await createFunctionUrl(baseUrl, 'bench-url');
  return { url, body: PAYLOAD, headers: HEADERS };
}
