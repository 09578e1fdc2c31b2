/**
 * storage-events: how soon a function runs after a change in islet's own storage.
 *
 * - object PUT -> function start: objects PUT (one at a time, with the SDK) into a bucket of
 *   islet's embedded S3 whose notification configuration targets `on-object`; the handler notes
 *   Date.now() when it starts, per key. Latency = handler start - the moment the PUT was sent (the
 *   event is queued durably before the PUT is answered, so the function may start before the
 *   client sees the answer). PUT round trips are reported beside it.
 * - table write -> stream -> function start: PutItem into an embedded table with a stream and an
 *   event source mapping to `on-record`, measured the same way. The mapping polls its shard every
 *   `--stream-poll-ms` (islet's default 1000 ms, like Lambda's about once a second; the row with
 *   100 ms shows the cost without the poll interval).
 *
 * Same process, same clock: islet and this runner share the machine's clock, so the latencies are
 * exact to the millisecond. There is no baseline: nothing else does this work on this box.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { api, createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { LatencyRecorder } from '../lib/load.mjs';
import { sleep } from '../lib/process.mjs';

export const name = 'storage-events';
export const description =
  "Latency from a change in islet's own storage to the function's start: object PUT -> S3 notification, and PutItem -> table stream -> mapping.";

export const columns = [
  { key: 'target', label: 'Path', format: 'text' },
  { key: 'events', label: 'events', format: 'int' },
  { key: 'p50', label: 'change->start p50 ms', format: 'ms' },
  { key: 'p99', label: 'change->start p99 ms', format: 'ms' },
  { key: 'writeP50', label: 'write p50 ms', format: 'ms' },
  { key: 'writeP99', label: 'write p99 ms', format: 'ms' },
];

// Each start is logged ("STARTED key ms") and read back through islet's CloudWatch Logs API, so
// any number of environments may run the events (no reserved concurrency, no throttled retries).
const COLLECTOR = `exports.handler = async (event) => {
  const now = Date.now();
  for (const r of event.Records) {
    const key = r.s3 ? decodeURIComponent(r.s3.object.key) : r.dynamodb.Keys.id.S;
    console.log('STARTED', key, now);
  }
  return null;
};
`;

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const EVENTS = 200;
/** Changes made first and not measured: the first events of a fresh islet pay for its warm-up. */
const WARMUP = 30;

export async function run(config) {
  const failures = [];
  const notes = [];
  const rows = [];
  if (!isletBuilt()) return { rows, notes, failures: [ISLET_MISSING_MESSAGE] };
  for (const pollMs of [1000, 100]) {
    const islet = await startIslet({
      extraArgs: ['--stream-poll-ms', String(pollMs), '--log-level', 'warn'],
    });
    try {
      if (pollMs === 1000) rows.push(await objectEvents(islet.baseUrl));
      rows.push(await tableEvents(islet.baseUrl, pollMs));
    } catch (err) {
      failures.push(err.stack ?? String(err));
    } finally {
      await islet.stop();
    }
  }
  notes.push(
    `${EVENTS} changes per path, one at a time, after ${WARMUP} unmeasured ones (a fresh islet's first events pay for its warm-up: about 0.1-0.3 s each for the first dozen); the stream rows differ only in --stream-poll-ms, which bounds their latency`,
  );
  void config;
  return { rows, notes, failures };
}

async function collector(baseUrl, name) {
  await createFunction(baseUrl, name, COLLECTOR);
}

/** Start times by key, from the function's log events (FilterLogEvents, all pages). */
async function startedTimes(baseUrl, name, expected) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const started = {};
    let nextToken;
    do {
      const res = await fetch(baseUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Logs_20140328.FilterLogEvents',
        },
        body: JSON.stringify({ logGroupName: `/aws/lambda/${name}`, filterPattern: 'STARTED', nextToken }),
      });
      const page = await res.json();
      if (!res.ok)
        throw new Error(`FilterLogEvents: HTTP ${res.status} ${JSON.stringify(page).slice(0, 300)}`);
      for (const e of page.events ?? []) {
        const m = /\tSTARTED (\S+) (\d+)\n?$/.exec(e.message);
        if (m) started[m[1]] = Number(m[2]);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (Object.keys(started).length >= expected + WARMUP) return started;
    if (Date.now() > deadline)
      throw new Error(`${name}: only ${Object.keys(started).length} of ${expected} events arrived in 30 s`);
    await sleep(500);
  }
}

function row(target, sent, written, started) {
  const latency = new LatencyRecorder();
  const writes = new LatencyRecorder();
  for (const [key, at] of Object.entries(sent)) {
    latency.record(started[key] - at);
    writes.record(written[key] - at);
  }
  return {
    target,
    kind: 'latency',
    status: 'ok',
    events: latency.count,
    p50: latency.percentile(50),
    p99: latency.percentile(99),
    writeP50: writes.percentile(50),
    writeP99: writes.percentile(99),
  };
}

async function objectEvents(baseUrl) {
  await collector(baseUrl, 'on-object');
  await api(baseUrl, 'POST', '/2015-03-31/functions/on-object/policy', {
    StatementId: 's3',
    Action: 'lambda:InvokeFunction',
    Principal: 's3.amazonaws.com',
    SourceArn: 'arn:aws:s3:::bench',
  });
  const s3 = new S3Client({ endpoint: baseUrl, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: 'bench',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:on-object',
            Events: ['s3:ObjectCreated:*'],
          },
        ],
      },
    }),
  );
  const sent = {};
  const written = {};
  const body = 'x'.repeat(1024);
  for (let i = -WARMUP; i < EVENTS; i++) {
    const key = i < 0 ? `warm-${i}` : `o-${i}`;
    const at = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: body }));
    if (i >= 0) {
      sent[key] = at;
      written[key] = Date.now();
    }
    await sleep(5);
  }
  s3.destroy();
  return row(
    'object PUT -> S3 notification -> function',
    sent,
    written,
    await startedTimes(baseUrl, 'on-object', EVENTS),
  );
}

async function tableEvents(baseUrl, pollMs) {
  await collector(baseUrl, 'on-record');
  const ddb = new DynamoDBClient({ endpoint: baseUrl, region: 'us-east-1', credentials });
  const table = await ddb.send(
    new CreateTableCommand({
      TableName: 'bench',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
    }),
  );
  await api(baseUrl, 'POST', '/2015-03-31/event-source-mappings/', {
    FunctionName: 'on-record',
    EventSourceArn: table.TableDescription.LatestStreamArn,
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 1,
  });
  const sent = {};
  const written = {};
  for (let i = -WARMUP; i < EVENTS; i++) {
    const key = i < 0 ? `warm-${i}` : `r-${i}`;
    const at = Date.now();
    await ddb.send(new PutItemCommand({ TableName: 'bench', Item: { id: { S: key }, n: { N: String(i) } } }));
    if (i >= 0) {
      sent[key] = at;
      written[key] = Date.now();
    }
    await sleep(5);
  }
  ddb.destroy();
  return row(
    `PutItem -> table stream -> function (poll ${pollMs} ms)`,
    sent,
    written,
    await startedTimes(baseUrl, 'on-record', EVENTS),
  );
}
