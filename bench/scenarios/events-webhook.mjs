/**
 * events-webhook: S3 object notifications through islet's storage webhook into a function.
 *
 * Every request is a different S3 `ObjectCreated:Put` record (unique key and sequencer, so none is
 * recognised as a replay) whose `eventTime` is the moment it is sent. islet answers 200 once the
 * event is durably queued; its async queue then runs `bench-hook`, which returns how long after
 * the POST it started, and the OnSuccess destination carries that value to `bench-sink` (reserved
 * concurrency 1, so a single environment holds every value), which the runner reads with a
 * synchronous Invoke.
 *
 * Measured: the webhook's accept rate and POST latency (against a plain Hono app that parses the
 * same notifications and answers without storing or invoking anything), then, once the load
 * stops, how long the queue takes to deliver every accepted event, the delivery rate over load +
 * drain, and the end-to-end latency from the POST to the handler's start.
 *
 * Order, as in warm-invoke: hono, islet, hono again; the baseline is the mean of the two Hono runs.
 */
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { startHonoBaseline } from '../lib/baselines.mjs';
import { api, createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { checkResponse, LatencyRecorder, measure, runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';

export const name = 'events-webhook';
export const description =
  'S3 notifications POSTed to islet /hooks/storage, queued durably and run by a function, vs a plain ' +
  'Hono app that only parses and acknowledges them (child process).';

const BUCKET = 'bench-bucket';
const HOOK = 'bench-hook';
const SINK = 'bench-sink';
const HEADERS = { 'content-type': 'application/json' };
/** What /hooks/storage answers for one record queued for one function. */
const EXPECTED_ACK = { queued: 1, duplicates: 0, unmatched: 0, denied: 0, missing: 0 };
/** What the Hono baseline answers for one record. */
const EXPECTED_BASELINE_ACK = { queued: 1 };
/** How long accepted events may take to reach the sink once the load has stopped. */
const DRAIN_TIMEOUT_MS = 60_000;
const DRAIN_POLL_MS = 50;
/** islet's first retry delay of failed async events (the default, 60 s, would outlast the drain). */
const ISLET_ARGS = ['--async-retry-base-ms', '1000'];

// Handler start minus the POST time (eventTime, ms precision, same machine clock), and the start
// itself. Handed to the sink by the OnSuccess destination, as the responsePayload of Lambda's
// invocation record.
const HOOK_FUNCTION = `exports.handler = async (event) => {
  const startedAt = Date.now();
  return { latencyMs: startedAt - Date.parse(event.Records[0].eventTime), startedAt };
};
`;

// Keeps every invocation record's latency, and the latest handler start. {read:true} returns
// {count, latencies, lastStartedAt}; countOnly leaves the (large) list out while polling; reset
// empties the sink after reading.
const SINK_FUNCTION = `const latencies = [];
let count = 0;
let lastStartedAt = 0;
exports.handler = async (event) => {
  if (event && event.read === true) {
    const out = event.countOnly ? { count } : { count, latencies: latencies.slice(), lastStartedAt };
    if (event.reset) {
      latencies.length = 0;
      count = 0;
      lastStartedAt = 0;
    }
    return out;
  }
  count++;
  const r = (event && event.responsePayload) || {};
  if (typeof r.latencyMs === 'number') latencies.push(r.latencyMs);
  if (typeof r.startedAt === 'number' && r.startedAt > lastStartedAt) lastStartedAt = r.startedAt;
  return null;
};
`;

/** Numbers every record of the process, so no two requests (warm-up or not) carry the same object. */
let recordCounter = 0;

/** An S3 ObjectCreated:Put record, as S3 sends it, stamped with the current time. */
function s3Record(n) {
  const hex = n.toString(16).padStart(16, '0');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventTime: new Date().toISOString(),
    eventName: 'ObjectCreated:Put',
    userIdentity: { principalId: 'BENCH' },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': hex },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'bench',
      bucket: { name: BUCKET, ownerIdentity: { principalId: 'BENCH' }, arn: `arn:aws:s3:::${BUCKET}` },
      object: {
        key: `uploads/object-${n}.json`,
        size: 1024,
        eTag: hex.repeat(2),
        sequencer: hex.toUpperCase(),
      },
    },
  };
}

function notificationBody() {
  return JSON.stringify({ Records: [s3Record(recordCounter++)] });
}

/**
 * An autocannon target whose every request is a new notification. setupRequest runs just before
 * the request is written, so eventTime is the send time.
 */
function notificationTarget(url) {
  return {
    url,
    headers: HEADERS,
    requests: [
      {
        setupRequest(req) {
          req.body = notificationBody();
          return req;
        },
      },
    ],
  };
}

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config) {
  const failures = [];
  const notes = [];

  if (!isletBuilt()) {
    console.error(`${name}: ${ISLET_MISSING_MESSAGE} (measuring the Hono baseline only)`);
  }

  const hono = await startHonoBaseline();
  let honoRuns;
  let isletRows;
  try {
    const honoTarget = notificationTarget(`${hono.baseUrl}/hook`);
    honoTarget.expectBody = await checkResponse(
      { url: honoTarget.url, body: notificationBody(), headers: HEADERS },
      EXPECTED_BASELINE_ACK,
    );
    const honoFirst = await measureRow('hono (run 1)', honoTarget, config);
    isletRows = await runIslet(config, failures, notes);
    const honoSecond = await measureRow('hono (run 2)', honoTarget, config);
    honoRuns = [honoFirst, honoSecond];
  } finally {
    await hono.stop();
  }

  const baseline = meanRow('hono baseline (mean)', honoRuns);
  const rows = [...honoRuns, baseline, ...isletRows];
  for (const row of rows) {
    if (row.status !== 'ok' || row.kind === 'delivery') continue;
    row.reqPerSecRatio = row.reqPerSec / baseline.reqPerSec;
    row.p99Ratio = row.p99 / baseline.p99;
  }

  const drift = honoRuns[1].reqPerSec / honoRuns[0].reqPerSec - 1;
  notes.unshift(
    `Hono run 2 vs run 1: ${signedPercent(drift)} req/s` +
      (Math.abs(drift) > 0.1 ? ' (more than 10%: the machine is noisy, treat ratios with care)' : ''),
  );
  const webhook = isletRows.find((r) => r.kind === 'run');
  if (webhook?.status === 'ok') {
    notes.push(
      `islet webhook: ${webhook.reqPerSecRatio.toPrecision(2)}x the Hono baseline's req/s, ` +
        `${webhook.p99Ratio.toPrecision(3)}x its p99`,
    );
  }
  return { rows, notes, failures };
}

/** The islet rows: the webhook's load run, then the delivery of what it accepted. */
async function runIslet(config, failures, notes) {
  const targets = [
    { target: 'islet webhook', kind: 'run' },
    { target: 'islet webhook -> handler', kind: 'delivery' },
  ];
  const notRun = (status, reason) => targets.map((t) => ({ ...t, status, reason }));
  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return notRun('skipped', ISLET_MISSING_MESSAGE);
  }

  let islet;
  try {
    islet = await startIslet({ extraArgs: ISLET_ARGS });
  } catch (err) {
    failures.push(`islet did not start: ${err.message}`);
    return notRun('failed', 'islet did not start');
  }

  try {
    const { baseUrl } = islet;
    await setup(baseUrl);
    const target = notificationTarget(`${baseUrl}/hooks/storage`);

    // The check's record is also the cold start of both functions, which this scenario excludes.
    target.expectBody = await checkResponse(
      { url: target.url, body: notificationBody(), headers: HEADERS },
      EXPECTED_ACK,
    );
    await drainOrThrow(baseUrl, 1, 'the check notification');

    // Warm-up, then let the queue empty so the measured run starts from an idle server.
    console.error(`${name}: islet webhook: ${config.warmupSeconds} s warm-up, then its drain`);
    const warmup = await runLoad({
      ...target,
      connections: config.connections,
      durationSeconds: config.warmupSeconds,
    });
    await drainOrThrow(baseUrl, warmup.succeeded, 'the warm-up');

    console.error(
      `${name}: islet webhook: ${config.durationSeconds} s, ${config.connections} connections, ` +
        `then up to ${DRAIN_TIMEOUT_MS / 1000} s for the deliveries`,
    );
    const loadStart = performance.now();
    const result = await runLoad({
      ...target,
      connections: config.connections,
      durationSeconds: config.durationSeconds,
    });
    const loadEnd = performance.now();
    const loadEndEpochMs = Date.now();
    const collected = await waitForDeliveries(baseUrl, result.succeeded, loadEnd);
    const { count: delivered, latencies, lastStartedAt } = await readSink(baseUrl, { read: true });

    const e2e = new LatencyRecorder();
    for (const ms of latencies) e2e.record(ms);
    const loadSeconds = (loadEnd - loadStart) / 1000;
    // The drain ends when the handler starts on the last event, which the handler itself records:
    // the sink receives that value later (its single slot makes deliveries to it queue and retry),
    // and that lag belongs to the measuring device, not to the path being measured.
    const drainSeconds = Math.max(0, lastStartedAt - loadEndEpochMs) / 1000;
    const sinkSeconds = collected.ms / 1000;
    const delivery = {
      target: targets[1].target,
      kind: 'delivery',
      status: 'ok',
      accepted: result.succeeded,
      delivered,
      complete: collected.complete,
      loadSeconds,
      drainSeconds,
      sinkSeconds,
      eventsPerSec: delivered / (loadSeconds + drainSeconds),
      p50: e2e.percentile(50),
      p99: e2e.percentile(99),
      max: e2e.percentile(100),
    };
    notes.push(
      collected.complete
        ? `Deliveries: all ${result.succeeded} accepted events ran; the last handler started ` +
            `${drainSeconds.toFixed(1)} s after the load ended, and ${SINK} had every result ` +
            `${sinkSeconds.toFixed(1)} s after it`
        : `Deliveries: only ${delivered} of ${result.succeeded} accepted events reached ${SINK} within ` +
            `${DRAIN_TIMEOUT_MS / 1000} s of the end of the load (drain and events/s describe those only)`,
    );
    return [{ ...targets[0], status: 'ok', ...result }, delivery];
  } catch (err) {
    failures.push(`islet webhook: ${err.message}`);
    return notRun('failed', err.message);
  } finally {
    await islet.stop();
  }
}

/**
 * Deploys the functions and wires the trigger, all through the public APIs: the sink with
 * reserved concurrency 1, the hook with the sink as its OnSuccess destination, a resource policy
 * letting S3 invoke the hook for the bucket, and the bucket's notification configuration (an S3
 * API call, which islet routes by the SigV4 signature's service).
 */
async function setup(baseUrl) {
  await createFunction(baseUrl, SINK, SINK_FUNCTION);
  await api(baseUrl, 'PUT', `/2017-10-31/functions/${SINK}/concurrency`, { ReservedConcurrentExecutions: 1 });
  const sinkArn = (await api(baseUrl, 'GET', `/2015-03-31/functions/${SINK}`)).Configuration.FunctionArn;

  await createFunction(baseUrl, HOOK, HOOK_FUNCTION);
  await api(baseUrl, 'PUT', `/2019-09-25/functions/${HOOK}/event-invoke-config`, {
    DestinationConfig: { OnSuccess: { Destination: sinkArn } },
  });
  await api(baseUrl, 'POST', `/2015-03-31/functions/${HOOK}/policy`, {
    StatementId: 's3',
    Action: 'lambda:InvokeFunction',
    Principal: 's3.amazonaws.com',
    SourceArn: `arn:aws:s3:::${BUCKET}`,
  });
  const hookArn = (await api(baseUrl, 'GET', `/2015-03-31/functions/${HOOK}`)).Configuration.FunctionArn;

  const s3 = new S3Client({
    endpoint: baseUrl,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: BUCKET,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'bench', LambdaFunctionArn: hookArn, Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
    );
  } finally {
    s3.destroy();
  }
}

/**
 * Polls the sink's count until it reaches `expected` or the drain timeout passes. Returns the
 * time from `since` (performance.now()) to the poll that saw the count reached, to the poll
 * interval; on a timeout, the whole timeout.
 */
async function waitForDeliveries(baseUrl, expected, since) {
  const deadline = since + DRAIN_TIMEOUT_MS;
  let last = 0;
  for (;;) {
    const { count } = await readSink(baseUrl, { read: true, countOnly: true });
    const now = performance.now();
    // A count going down means the sink's environment was replaced and its values lost.
    if (count < last) throw new Error(`${SINK} lost its state (count ${last} -> ${count})`);
    last = count;
    if (count >= expected) return { complete: true, ms: now - since, delivered: count };
    if (now >= deadline) return { complete: false, ms: now - since, delivered: count };
    await sleep(DRAIN_POLL_MS);
  }
}

/** Waits for a phase's deliveries, then empties the sink; throws if they do not all arrive. */
async function drainOrThrow(baseUrl, expected, what) {
  const drain = await waitForDeliveries(baseUrl, expected, performance.now());
  if (!drain.complete) {
    throw new Error(
      `${what}: ${drain.delivered} of ${expected} events reached ${SINK} within ${DRAIN_TIMEOUT_MS / 1000} s`,
    );
  }
  await readSink(baseUrl, { read: true, countOnly: true, reset: true });
}

/**
 * A synchronous Invoke of the sink. Its single slot is often taken by a delivery, which Lambda
 * answers with 429: those are retried (for up to 10 s).
 */
async function readSink(baseUrl, payload) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/2015-03-31/functions/${SINK}/invocations`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(payload),
    });
    const text = await res.text();
    if (res.status === 429 && Date.now() < deadline) {
      await sleep(5);
      continue;
    }
    const functionError = res.headers.get('x-amz-function-error');
    if (res.status !== 200 || functionError) {
      throw new Error(
        `reading ${SINK}: HTTP ${res.status}${functionError ? ` (${functionError})` : ''} ${text.slice(0, 500)}`,
      );
    }
    return JSON.parse(text);
  }
}

async function measureRow(target, request, config) {
  console.error(
    `${name}: ${target}: ${config.warmupSeconds} s warm-up + ${config.durationSeconds} s, ` +
      `${config.connections} connections`,
  );
  const result = await measure(request, config);
  return { target, kind: 'run', status: 'ok', ...result };
}

/** The baseline: plain means of the two Hono runs (the p50/p99 means are of the percentiles). */
function meanRow(target, runs) {
  const mean = (key) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
  const total = (key) => runs.reduce((sum, r) => sum + r[key], 0);
  return {
    target,
    kind: 'mean',
    status: 'ok',
    reqPerSec: mean('reqPerSec'),
    p50: mean('p50'),
    p99: mean('p99'),
    errors: total('errors'),
    timeouts: total('timeouts'),
    requests: total('requests'),
  };
}

function signedPercent(fraction) {
  const percent = (fraction * 100).toFixed(1);
  return fraction >= 0 ? `+${percent}%` : `${percent}%`;
}
