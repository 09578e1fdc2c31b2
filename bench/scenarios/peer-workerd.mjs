/**
 * peer-workerd: islet against its closest peer, Cloudflare's workerd (also V8 isolates), on the
 * warm-invoke work: POST {"n":5,"name":"x"}, sum 1..n, answer {"hello":"x","sum":15}.
 *
 * - `workerd`: bench/baselines/workerd/config.capnp, one ES module worker (worker.mjs beside it),
 *   `POST /work`, run from the binary the `workerd` npm package ships, in its own process, on a
 *   free port (`--socket-addr http=127.0.0.1:PORT`), stopped by PID.
 * - `islet invoke`: function `bench-peer` (the warm-invoke handler) through the Lambda Invoke API.
 *
 * Order: workerd, islet, workerd again; the baseline is the mean of the two workerd runs, which
 * brackets the islet run in time (as warm-invoke does with Hono). If workerd cannot run on this
 * machine, the scenario says why in a note and still measures islet.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createFunction, ISLET_MISSING_MESSAGE, isletBuilt, startIslet } from '../lib/islet.mjs';
import { checkResponse } from '../lib/load.mjs';
import { freePort, makeTempDir, REPO_ROOT, sleep } from '../lib/process.mjs';
import { meanRow, measureRow, signedPercent } from '../lib/rows.mjs';

export const name = 'peer-workerd';
export const description =
  'Warm function, tiny JSON work: islet Invoke API vs the same logic as a Cloudflare worker on workerd ' +
  '(npm package workerd, child process).';

/** The project's target against its peer: at least as fast, no worse at the tail. */
export const TARGET = { minReqPerSecRatio: 1, maxP99Ratio: 1 };

const CONFIG_FILE = path.join(REPO_ROOT, 'bench', 'baselines', 'workerd', 'config.capnp');
const FUNCTION_NAME = 'bench-peer';
const PAYLOAD = JSON.stringify({ n: 5, name: 'x' });
const EXPECTED = { hello: 'x', sum: 15 };
const HEADERS = { 'content-type': 'application/json' };

// The warm-invoke function, unchanged.
const INVOKE_FUNCTION = `exports.handler = async (event) => {
  let sum = 0;
  for (let i = 1; i <= event.n; i++) sum += i;
  return { hello: event.name, sum };
};
`;

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

/** Columns of this scenario's table (for a report that prints arbitrary columns). */
export const columns = [
  { key: 'target', label: 'Target' },
  { key: 'reqPerSec', label: 'req/s' },
  { key: 'p50', label: 'p50 ms' },
  { key: 'p99', label: 'p99 ms' },
  { key: 'errors', label: 'errors' },
  { key: 'reqPerSecRatio', label: 'req/s vs workerd' },
  { key: 'p99Ratio', label: 'p99 vs workerd' },
];

/**
 * @param {{ durationSeconds: number, connections: number, warmupSeconds: number }} config
 * @returns {Promise<{ rows: object[], notes: string[], failures: string[] }>}
 */
export async function run(config) {
  const notes = [];
  const failures = [];

  const binary = workerdBinary();
  if (binary.unavailable) {
    notes.push(`workerd unavailable: ${binary.unavailable}`);
    console.error(`${name}: workerd unavailable: ${binary.unavailable} (measuring islet only)`);
    const isletRow = await runIslet(config, failures);
    return {
      rows: [{ target: 'workerd', kind: 'run', status: 'skipped', reason: binary.unavailable }, isletRow],
      notes,
      failures,
    };
  }
  notes.push(`workerd ${binary.version}, ${path.relative(REPO_ROOT, CONFIG_FILE)}`);

  let workerd;
  try {
    workerd = await startWorkerd(binary.path);
  } catch (err) {
    // The binary answers --version but cannot serve (e.g. a kernel feature it needs is missing).
    notes.push(`workerd unavailable: ${err.message}`);
    const isletRow = await runIslet(config, failures);
    return {
      rows: [{ target: 'workerd', kind: 'run', status: 'skipped', reason: err.message }, isletRow],
      notes,
      failures,
    };
  }

  let workerdRuns;
  let isletRow;
  try {
    const target = { url: `${workerd.baseUrl}/work`, body: PAYLOAD, headers: HEADERS };
    target.expectBody = await checkResponse(target, EXPECTED);
    const first = await measureRow(name, 'workerd (run 1)', target, config);
    isletRow = await runIslet(config, failures);
    const second = await measureRow(name, 'workerd (run 2)', target, config);
    workerdRuns = [first, second];
  } finally {
    await workerd.stop();
  }

  const baseline = meanRow('workerd baseline (mean)', workerdRuns);
  const rows = [...workerdRuns, baseline, isletRow];
  for (const row of rows) {
    if (row.status !== 'ok') continue;
    row.reqPerSecRatio = row.reqPerSec / baseline.reqPerSec;
    row.p99Ratio = row.p99 / baseline.p99;
  }

  const drift = workerdRuns[1].reqPerSec / workerdRuns[0].reqPerSec - 1;
  notes.push(
    `workerd run 2 vs run 1: ${signedPercent(drift)} req/s` +
      (Math.abs(drift) > 0.1 ? ' (more than 10%: the machine is noisy, treat ratios with care)' : ''),
  );
  if (isletRow.status === 'ok') {
    isletRow.meetsTarget =
      isletRow.reqPerSecRatio >= TARGET.minReqPerSecRatio && isletRow.p99Ratio <= TARGET.maxP99Ratio;
    notes.push(
      `islet invoke: ${isletRow.reqPerSecRatio.toFixed(2)}x workerd's req/s (target >= ` +
        `${TARGET.minReqPerSecRatio}x), ${isletRow.p99Ratio.toFixed(2)}x its p99 (target <= ` +
        `${TARGET.maxP99Ratio}x): ${isletRow.meetsTarget ? 'target met' : 'target missed'}`,
    );
  }
  return { rows, notes, failures };
}

/**
 * The workerd binary of the npm package (its main module exports the path of the binary for this
 * platform, from the optional @cloudflare/workerd-* package), checked with `--version`.
 */
function workerdBinary() {
  let binaryPath;
  try {
    const workerdModule = createRequire(import.meta.url)('workerd');
    binaryPath = workerdModule.default ?? workerdModule;
  } catch (err) {
    return { unavailable: `the workerd npm package is not usable here (${firstLine(err.message)})` };
  }
  if (typeof binaryPath !== 'string' || !fs.existsSync(binaryPath)) {
    return { unavailable: `no workerd binary for ${process.platform}-${process.arch}` };
  }
  const probe = spawnSync(binaryPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return { unavailable: `${binaryPath} does not run (${probe.error.message})` };
  if (probe.status !== 0) {
    const reason = firstLine(probe.stderr || probe.stdout || `exit status ${probe.status}`);
    return { unavailable: `${binaryPath} --version failed (${reason})` };
  }
  return { path: binaryPath, version: probe.stdout.trim().replace(/^workerd\s+/, '') };
}

/**
 * `workerd serve config.capnp --socket-addr http=127.0.0.1:PORT` in its own process, output to a
 * log file (as lib/process.mjs does for node servers); resolves once GET /health answers 200.
 * stop() sends SIGTERM to its PID, then SIGKILL after 5 s.
 */
async function startWorkerd(binaryPath) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const workDir = makeTempDir('islet-bench-workerd-');
  const logPath = path.join(workDir, 'server.log');
  const logFd = fs.openSync(logPath, 'w');
  const child = spawn(binaryPath, ['serve', CONFIG_FILE, '--socket-addr', `http=127.0.0.1:${port}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  child.once('error', (err) => {
    exited = { code: null, signal: null, error: err };
  });
  // If this process ends early, do not leave workerd holding a CPU and a port.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const graceful = await Promise.race([
        exitPromise.then(() => true),
        sleep(STOP_GRACE_MS).then(() => false),
      ]);
      if (!graceful) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
        await exitPromise;
      }
    }
    // Keep the log if workerd died on its own (it was not stopped by us).
    if (exited && (exited.signal === 'SIGTERM' || exited.signal === 'SIGKILL' || exited.code === 0)) {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      const how = exited.error ? exited.error.message : `code ${exited.code}, signal ${exited.signal}`;
      await stop();
      throw new Error(`workerd exited before it was ready (${how}): ${logTail(logPath)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return { pid: child.pid, baseUrl, logPath, stop };
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code ?? err.message;
    }
    await sleep(50);
  }
  await stop();
  throw new Error(`workerd not ready after ${READY_TIMEOUT_MS / 1000} s (last: ${lastProblem})`);
}

/** islet's Invoke API on the warm-invoke function; a failure becomes a 'failed' row. */
async function runIslet(config, failures) {
  const target = 'islet invoke';
  if (!isletBuilt()) {
    failures.push(ISLET_MISSING_MESSAGE);
    return { target, kind: 'run', status: 'skipped', reason: ISLET_MISSING_MESSAGE };
  }
  let islet;
  try {
    islet = await startIslet();
  } catch (err) {
    failures.push(`islet did not start: ${err.message}`);
    return { target, kind: 'run', status: 'failed', reason: 'islet did not start' };
  }
  try {
    await createFunction(islet.baseUrl, FUNCTION_NAME, INVOKE_FUNCTION);
    const request = {
      url: `${islet.baseUrl}/2015-03-31/functions/${FUNCTION_NAME}/invocations`,
      body: PAYLOAD,
      headers: HEADERS,
    };
    // Also the cold start, which this scenario leaves out (as warm-invoke does).
    request.expectBody = await checkResponse(request, EXPECTED);
    return await measureRow(name, target, request, config);
  } catch (err) {
    failures.push(`${target}: ${err.message}`);
    return { target, kind: 'run', status: 'failed', reason: err.message };
  } finally {
    await islet.stop();
  }
}

function logTail(logPath) {
  try {
    return fs.readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join(' | ') || '(empty log)';
  } catch {
    return '(no log)';
  }
}

function firstLine(text) {
  return String(text).trim().split('\n')[0];
}
