/**
 * Starting islet and deploying functions to it through its public Lambda REST API, exactly as a
 * user would (no internal imports), so the benchmark measures the real request path.
 */
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { freePort, makeTempDir, REPO_ROOT, sleep, startServerProcess } from './process.mjs';

/**
 * The built server, which `npm run bench` builds first (dist/islet.cjs); the list allows a
 * break while the build settles (the first one found wins).
 */
const ISLET_ENTRY_CANDIDATES = ['islet.cjs'].map((file) => path.join(REPO_ROOT, 'dist', file));
export const ISLET_MISSING_MESSAGE = 'dist/islet.cjs not found: run npm run build';

/** The path of the built CLI, or undefined if islet has not been built. */
export function isletEntry() {
  return ISLET_ENTRY_CANDIDATES.find((file) => fs.existsSync(file));
}

export function isletBuilt() {
  return isletEntry() !== undefined;
}

/**
 * Starts `islet serve` on a free port with a fresh data directory; resolves when the API answers.
 * `extraArgs` are more `serve` flags (e.g. `['--async-retry-base-ms', '1000']`).
 */
export async function startIslet({ extraArgs = [] } = {}) {
  const entry = isletEntry();
  if (!entry) throw new Error(ISLET_MISSING_MESSAGE);
  const port = await freePort();
  const workDir = makeTempDir('islet-bench-');
  const dataDir = path.join(workDir, 'data');
  fs.mkdirSync(dataDir);
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = await startServerProcess({
    name: 'islet',
    script: entry,
    args: ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, ...extraArgs],
    readyUrl: `${baseUrl}/2015-03-31/functions`,
    workDir,
  });
  return { ...server, baseUrl };
}

/** A deployment package holding a single `index.js`, base64-encoded as CreateFunction expects. */
export function zipBase64(source) {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from(source), 'index.js');
    zip.end();
    const chunks = [];
    zip.outputStream.on('data', (chunk) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks).toString('base64')));
  });
}

/**
 * CreateFunction with a CommonJS `index.js`, then waits until the function is Active (Lambda
 * creates functions as Pending; invoking before Active would measure, or fail on, the transition).
 */
export async function createFunction(baseUrl, functionName, source) {
  const body = {
    FunctionName: functionName,
    Runtime: 'nodejs20.x',
    Role: 'arn:aws:iam::123456789012:role/bench',
    Handler: 'index.handler',
    MemorySize: 128,
    Code: { ZipFile: await zipBase64(source) },
  };
  await api(baseUrl, 'POST', '/2015-03-31/functions', body);
  await waitUntilActive(baseUrl, functionName);
}

/** CreateFunctionUrlConfig with AuthType NONE; returns the local URL islet serves it at. */
export async function createFunctionUrl(baseUrl, functionName) {
  await api(baseUrl, 'POST', `/2021-10-31/functions/${functionName}/url`, { AuthType: 'NONE' });
  return `${baseUrl}/fn/${functionName}/`;
}

async function waitUntilActive(baseUrl, functionName, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let state;
  while (Date.now() < deadline) {
    const fn = await api(baseUrl, 'GET', `/2015-03-31/functions/${functionName}`);
    state = fn?.Configuration?.State;
    // A server that does not report State at all creates functions synchronously.
    if (state === undefined || state === 'Active') return;
    if (state === 'Failed') {
      throw new Error(`function ${functionName} failed to create: ${fn.Configuration.StateReason}`);
    }
    await sleep(50);
  }
  throw new Error(`function ${functionName} still ${state} after ${timeoutMs / 1000} s`);
}

/**
 * A JSON call to the Lambda API; unsigned requests are accepted by islet. Throws on non-2xx.
 * Returns the parsed answer, or undefined for an empty one.
 */
export async function api(baseUrl, method, pathname, body) {
  const res = await fetch(`${baseUrl}${pathname}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}
