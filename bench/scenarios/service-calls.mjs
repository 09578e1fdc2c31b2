/**
 * service-calls: a function that reads an object from S3 and writes an item to DynamoDB per
 * call, through islet's SDK shims (sandbox -> executor -> front -> the real AWS SDK), against a
 * plain Hono app doing the same two calls with the AWS SDK in-process. Storage is s3rver and
 * dynalite in their own process, shared by both sides. The ratio is islet's cost of running the
 * code in a sandbox with its service calls bridged, on top of the same storage round trips.
 *
 * Order: hono, islet, hono again; the baseline is the mean of the two Hono runs.
 */

import fs from 'node:fs';
import path from 'node:path';
import { createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { checkResponse } from '../lib/load.mjs';
import { freePort, makeTempDir, REPO_ROOT, startServerProcess } from '../lib/process.mjs';
import { meanRow, measureRow, signedPercent } from '../lib/rows.mjs';

export const name = 'service-calls';
export const description =
  'S3 GetObject + DynamoDB PutItem per call: islet function via the SDK shims vs Hono with the AWS SDK (same storage).';

const PAYLOAD = JSON.stringify({ prefix: 'run' });
const EXPECTED = { stored: true, tags: 20 };
const HEADERS = { 'content-type': 'application/json' };

const FUNCTION = `const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const s3 = new S3Client({});
const ddb = new DynamoDBClient({});
let n = 0;
exports.handler = async (event) => {
  const obj = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'item.json' }));
  const item = JSON.parse(await obj.Body.transformToString());
  const id = event.prefix + '-' + (n++ % 1000);
  await ddb.send(new PutItemCommand({ TableName: 'bench', Item: { id: { S: id }, tags: { N: String(item.tags.length) } } }));
  return { stored: id.startsWith(event.prefix), tags: item.tags.length };
};
`;

async function startStorage() {
  const port = await freePort();
  const workDir = makeTempDir('islet-bench-storage-');
  const server = await startServerProcess({
    name: 'storage (s3rver + dynalite)',
    script: path.join(REPO_ROOT, 'bench', 'baselines', 'storage-servers.mjs'),
    args: [String(port), workDir],
    readyUrl: `http://127.0.0.1:${port}/`,
    workDir,
  });
  const endpoints = await (await fetch(`http://127.0.0.1:${port}/`)).json();
  return { ...server, endpoints };
}

async function startHonoServices(endpoints) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = await startServerProcess({
    name: 'hono services baseline',
    script: path.join(REPO_ROOT, 'bench', 'baselines', 'hono-services.mjs'),
    args: [String(port), endpoints.s3, endpoints.dynamodb],
    readyUrl: `${baseUrl}/health`,
    workDir: makeTempDir('islet-bench-hono-services-'),
  });
  return { ...server, baseUrl };
}

export async function run(config) {
  const failures = [];
  const notes = [];
  const storage = await startStorage();
  const rows = [];
  try {
    const hono = await startHonoServices(storage.endpoints);
    const honoRuns = [];
    let isletRow;
    try {
      const target = { url: `${hono.baseUrl}/work`, body: PAYLOAD, headers: HEADERS };
      target.expectBody = await checkResponse(target, EXPECTED);
      honoRuns.push(await measureRow(name, 'hono + AWS SDK (run 1)', target, config));
      isletRow = await runIslet(config, storage.endpoints, failures);
      honoRuns.push(await measureRow(name, 'hono + AWS SDK (run 2)', target, config));
    } finally {
      await hono.stop();
    }
    const baseline = meanRow('hono baseline (mean)', honoRuns);
    rows.push(...honoRuns, baseline, isletRow);
    for (const row of rows) {
      if (row.status !== 'ok') continue;
      row.reqPerSecRatio = row.reqPerSec / baseline.reqPerSec;
      row.p99Ratio = row.p99 / baseline.p99;
    }
    const drift = honoRuns[1].reqPerSec / honoRuns[0].reqPerSec - 1;
    notes.push(`Hono run 2 vs run 1: ${signedPercent(drift)} req/s`);
    if (isletRow.status === 'ok') {
      notes.push(
        `islet: ${isletRow.reqPerSecRatio.toFixed(2)}x req/s and ${isletRow.p99Ratio.toFixed(2)}x p99 of Hono doing the same two calls in-process`,
      );
    }
  } finally {
    await storage.stop();
  }
  return { rows, notes, failures };
}

async function runIslet(config, endpoints, failures) {
  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return { target: 'islet invoke', kind: 'run', status: 'skipped', reason: ISLET_MISSING_MESSAGE };
  }
  const dir = makeTempDir('islet-bench-services-');
  const servicesFile = path.join(dir, 'services.json');
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' };
  fs.writeFileSync(
    servicesFile,
    JSON.stringify({
      s3: { default: { endpoint: endpoints.s3, forcePathStyle: true, ...credentials } },
      dynamodb: { default: { endpoint: endpoints.dynamodb, ...credentials } },
    }),
  );
  const islet = await startIslet({ extraArgs: ['--services', servicesFile, '--log-level', 'warn'] });
  try {
    await createFunction(islet.baseUrl, 'services', FUNCTION);
    const target = {
      url: `${islet.baseUrl}/2015-03-31/functions/services/invocations`,
      body: PAYLOAD,
      headers: HEADERS,
    };
    target.expectBody = await checkResponse(target, EXPECTED);
    return await measureRow(name, 'islet invoke', target, config);
  } catch (err) {
    failures.push(`islet: ${err.message}`);
    return { target: 'islet invoke', kind: 'run', status: 'failed', reason: err.message };
  } finally {
    await islet.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
