/**
 * events-webhook: S3 object notifications through islet's storage webhook into a function.
 *
 * Every request is a different S3 `ObjectCreated:Put` record (unique key and sequencer, so none is
 * recognised as a replay). islet answers 200 once the event is durably queued; its async queue
 * then runs `bench-hook`, whose handler does nothing (returns null).
 *
 * The deliveries are read from islet's own durable queue: the `async_events` table of
 * `islet.db` in its data directory, opened read-only by this process (WAL mode allows a reader
 * beside the server). An event's row keeps `enqueued_at` (when islet queued it, just before the
 * 200) and, once the invocation has finished, `state = 'done'` with `next_attempt_at` set to the
 * time it finished. Nothing extra runs inside islet to measure it.
 *
 * Measured: the webhook's accept rate and POST latency (against a plain Hono app that parses the
 * same notifications and answers without storing or invoking anything), then, once the load
 * stops, how long the queue takes to finish every accepted event, the delivery rate over load +
 * drain, and the end-to-end latency from accept to the invocation's end (islet records no
 * handler-start time, so this includes the handler's own run, which is tiny here).
 *
 * Order, as in warm-invoke: hono, islet, hono again; the baseline is the mean of the two Hono runs.
 */
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { startHonoBaseline } from '../lib/baselines.mjs';
import { api, createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { checkResponse, LatencyRecorder, runLoad } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';
import { meanRow, measureRow, signedPercent } from '../lib/rows.mjs';

export const name = 'events-webhook';
export const description =
  'S3 notifications POSTed to islet /hooks/storage, queued durably and run by a function, vs a plain ' +
  'Hono app that only parses and acknowledges them (child process).';

/** The delivery table's columns (the load rows keep the default ones). */
export const columns = {
  delivery: [
    { key: 'target', label: 'Delivery', format: 'text' },
    { key: 'accepted', label: 'accepted', format: 'int' },
    // Rows islet queued: can exceed `accepted` by requests still in flight when the load stopped
    // (stored and run, but their answers came too late for autocannon to count).
    { key: 'stored', label: 'stored', format: 'int' },
    { key: 'delivered', label: 'delivered', format: 'int' },
    { key: 'dead', label: 'dead', format: 'int' },
    { key: 'queued', label: 'queued', format: 'int' },
    // An incomplete drain (timed out) shows as a lower bound.
    {
      key: 'drainSeconds',
      label: 'drain s',
      format: (r) =>
        Number.isFinite(r.drainSeconds)
          ? `${r.complete === false ? '>' : ''}${r.drainSeconds.toFixed(1)}`
          : '-',
    },
    { key: 'eventsPerSec', label: 'events/s', format: 'int' },
    { key: 'p50', label: 'accept->finish p50 ms', format: 'ms' },
    { key: 'p99', label: 'accept->finish p99 ms', format: 'ms' },
  ],
};

const BUCKET = 'bench-bucket';
const HOOK = 'bench-hook';
const HEADERS = { 'content-type': 'application/json' };
/** What /hooks/storage answers for one record queued for one function. */
const EXPECTED_ACK = { queued: 1, duplicates: 0, unmatched: 0, denied: 0, missing: 0 };
/** What the Hono baseline answers for one record. */
const EXPECTED_BASELINE_ACK = { queued: 1 };
/** How long accepted events may take to finish once the load has stopped. */
const DRAIN_TIMEOUT_MS = 60_000;
const DRAIN_POLL_MS = 50;
/** islet's first retry delay of failed async events (the default, 60 s, would outlast the drain). */
const ISLET_ARGS = ['--async-retry-base-ms', '1000'];

const HOOK_FUNCTION = `exports.handler = async () => null;
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
    const honoFirst = await measureRow(name, 'hono (run 1)', honoTarget, config);
    isletRows = await runIslet(config, failures, notes);
    const honoSecond = await measureRow(name, 'hono (run 2)', honoTarget, config);
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

  let queue;
  try {
    const { baseUrl } = islet;
    await setup(baseUrl);
    queue = openQueue(islet);
    const target = notificationTarget(`${baseUrl}/hooks/storage`);

    // The check's record is also the cold start of the function, which this scenario excludes.
    const checkSince = Date.now();
    target.expectBody = await checkResponse(
      { url: target.url, body: notificationBody(), headers: HEADERS },
      EXPECTED_ACK,
    );
    await drainOrThrow(queue, checkSince, 1, 'the check notification');

    // Warm-up, then let the queue empty so the measured run starts from an idle server.
    console.error(`${name}: islet webhook: ${config.warmupSeconds} s warm-up, then its drain`);
    const warmupSince = Date.now();
    const warmup = await runLoad({
      ...target,
      connections: config.connections,
      durationSeconds: config.warmupSeconds,
    });
    await drainOrThrow(queue, warmupSince, warmup.succeeded, 'the warm-up');

    console.error(
      `${name}: islet webhook: ${config.durationSeconds} s, ${config.connections} connections, ` +
        `then up to ${DRAIN_TIMEOUT_MS / 1000} s for the deliveries`,
    );
    const loadSince = Date.now();
    const loadStart = performance.now();
    const result = await runLoad({
      ...target,
      connections: config.connections,
      durationSeconds: config.durationSeconds,
    });
    const loadEnd = performance.now();
    const loadEndEpochMs = Date.now();
    const drain = await waitForDeliveries(queue, loadSince, result.succeeded, loadEnd);
    const { done, dead, queued, stored } = drain.counts;

    const e2e = new LatencyRecorder();
    let lastDoneAt = 0;
    for (const { enqueuedAt, finishedAt } of queue.doneTimes(loadSince)) {
      e2e.record(finishedAt - enqueuedAt);
      if (finishedAt > lastDoneAt) lastDoneAt = finishedAt;
    }
    const loadSeconds = (loadEnd - loadStart) / 1000;
    // The drain ends when the last event's invocation finished, as islet recorded it.
    // Negative when the queue was already empty as the load ended; shown as 0.
    const drainMs = lastDoneAt - loadEndEpochMs;
    const drainSeconds = Math.max(0, drainMs) / 1000;
    const delivery = {
      target: targets[1].target,
      kind: 'delivery',
      status: 'ok',
      accepted: result.succeeded,
      stored,
      delivered: done,
      dead,
      queued,
      complete: drain.complete,
      loadSeconds,
      drainSeconds,
      eventsPerSec: done / (loadSeconds + drainSeconds),
      p50: e2e.percentile(50),
      p99: e2e.percentile(99),
      max: e2e.percentile(100),
    };
    notes.push(
      drain.complete
        ? `Deliveries: all ${result.succeeded} accepted events ran` +
            (stored > result.succeeded
              ? ` (islet stored ${stored}: ${stored - result.succeeded} more were in flight when the load ` +
                `stopped, and ran too)`
              : '') +
            '; the last invocation finished ' +
            `${drainMs >= 0 ? `${drainMs} ms after` : `${-drainMs} ms before`} the load ended`
        : `Deliveries: only ${done} of ${result.succeeded} accepted events had finished within ` +
            `${DRAIN_TIMEOUT_MS / 1000} s of the end of the load (${dead} dead, ${queued} still queued; ` +
            'drain and events/s describe those only)',
      'accept->finish: enqueued_at to the end of the invocation, both recorded by islet in async_events ' +
        "(islet records no handler-start time, so this includes the handler's own run, a bare " +
        '`return null`); whole ms',
    );
    return [{ ...targets[0], status: 'ok', ...result }, delivery];
  } catch (err) {
    failures.push(`islet webhook: ${err.message}`);
    return notRun('failed', err.message);
  } finally {
    queue?.close();
    await islet.stop();
  }
}

/**
 * Deploys the function and wires the trigger, all through the public APIs: the function, a
 * resource policy letting S3 invoke it for the bucket, and the bucket's notification
 * configuration (an S3 API call, which islet routes by the SigV4 signature's service).
 */
async function setup(baseUrl) {
  await createFunction(baseUrl, HOOK, HOOK_FUNCTION);
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
 * islet's queue, read-only: `islet.db` in the data directory startIslet gives it (`data`, next to
 * the server's log). Every query covers bench-hook's events enqueued at or after `since` (epoch
 * ms, this machine's clock, which islet's timestamps also use); each phase waits for the previous
 * one's events to finish, so a phase's `since` selects exactly its own events.
 */
function openQueue(islet) {
  const db = new DatabaseSync(path.join(path.dirname(islet.logPath), 'data', 'islet.db'), { readOnly: true });
  // islet's writes hold the database only briefly; wait for them rather than fail.
  db.exec('PRAGMA busy_timeout = 5000');
  const countStmt = db.prepare(
    `SELECT state, COUNT(*) AS n FROM async_events
     WHERE function_name = ? AND enqueued_at >= ? GROUP BY state`,
  );
  const doneStmt = db.prepare(
    `SELECT enqueued_at AS enqueuedAt, next_attempt_at AS finishedAt FROM async_events
     WHERE function_name = ? AND enqueued_at >= ? AND state = 'done'`,
  );
  return {
    /** Rows by state: done, dead, queued (waiting or running), and all of them (stored). */
    counts(since) {
      const counts = { done: 0, dead: 0, queued: 0, stored: 0 };
      for (const { state, n } of countStmt.all(HOOK, since)) {
        counts[state] = Number(n);
        counts.stored += Number(n);
      }
      return counts;
    },
    /** enqueued_at and finish time (epoch ms) of every finished event. */
    doneTimes(since) {
      return doneStmt.all(HOOK, since);
    },
    close() {
      db.close();
    },
  };
}

/**
 * Polls the queue until `expected` events enqueued since `since` are done and none is still
 * queued (islet may also have stored a few requests still in flight when autocannon stopped,
 * whose answers it did not count), or until the drain timeout passes. Returns the time from
 * `startedAt` (performance.now()) to the poll that saw it, to the poll interval; on a timeout,
 * the whole timeout.
 */
async function waitForDeliveries(queue, since, expected, startedAt) {
  const deadline = startedAt + DRAIN_TIMEOUT_MS;
  for (;;) {
    const counts = queue.counts(since);
    const now = performance.now();
    if (counts.done >= expected && counts.queued === 0)
      return { complete: true, ms: now - startedAt, counts };
    if (now >= deadline) return { complete: false, ms: now - startedAt, counts };
    await sleep(DRAIN_POLL_MS);
  }
}

/** Waits for a phase's deliveries; throws if they do not all finish. */
async function drainOrThrow(queue, since, expected, what) {
  const drain = await waitForDeliveries(queue, since, expected, performance.now());
  if (!drain.complete) {
    const { done, dead, queued } = drain.counts;
    throw new Error(
      `${what}: ${done} of ${expected} accepted events finished within ${DRAIN_TIMEOUT_MS / 1000} s ` +
        `(${dead} dead, ${queued} still queued)`,
    );
  }
}
