/**
 * Server processes for benchmarks: every target (islet and the baselines) runs in its own child
 * process, so the load generator (autocannon, in this process) never shares an event loop with the
 * server it measures.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so scripts work whatever the current directory is. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const READY_POLL_MS = 50;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL_BYTES = 4_096;

/** Children still running, with their work directories, for cleanup if this process ends early. */
const running = new Map();

// A crash: kill the servers (an orphaned server would skew the next run) but keep their
// directories, whose logs may explain the crash.
process.on('exit', () => {
  for (const child of running.keys()) child.kill('SIGKILL');
});
// An interrupt (Ctrl-C, a CI timeout): nothing to debug, so remove the directories too.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const [child, workDir] of running) {
      child.kill('SIGKILL');
      fs.rmSync(workDir, { recursive: true, force: true });
    }
    running.clear();
    // 128 + signal number, the shell convention.
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/**
 * Finds a free TCP port by binding port 0 and releasing it. Another process could take the port
 * before the server binds it, but on a benchmark machine that race is negligible, and passing an
 * explicit port means we never have to parse a server's log to learn where it listens.
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory, removed when the server stops cleanly. */
export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Spawns `node --no-node-snapshot <script> ...args` and resolves once `readyUrl` answers 200.
 *
 * Output goes to a log file rather than a pipe: reading a pipe would cost CPU in this process
 * (which is also the load generator) whenever the server logs per request, and an unread pipe
 * would eventually block the server. The log's tail is shown if the server fails.
 *
 * @param {{ name: string, script: string, args: string[], readyUrl: string, workDir: string }} opts
 * @returns {Promise<{ name: string, pid: number, logPath: string, stop: () => Promise<void> }>}
 */
export async function startServerProcess({ name, script, args, readyUrl, workDir }) {
  const logPath = path.join(workDir, 'server.log');
  const logFd = fs.openSync(logPath, 'w');
  const child = spawn(process.execPath, ['--no-node-snapshot', script, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', logFd, logFd],
  });
  // The child holds its own copy of the descriptor.
  fs.closeSync(logFd);
  running.set(child, workDir);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve(exited);
    });
  });
  // A failed spawn emits 'error' and may never emit 'exit'; record it so the ready loop stops.
  child.once('error', (err) => {
    exited = { code: null, signal: null, error: err };
    running.delete(child);
  });

  const server = {
    name,
    pid: child.pid,
    logPath,
    stop: () => stopChild(child, exitPromise, () => exited, workDir),
  };

  try {
    await waitUntilReady(readyUrl, () => exited);
  } catch (err) {
    await server.stop().catch(() => {});
    throw new Error(`${name}: ${err.message}\n--- last lines of ${logPath} ---\n${logTail(logPath)}`);
  }
  return server;
}

/** Polls `url` every 50 ms until it answers 200; fails after 20 s or as soon as the child exits. */
async function waitUntilReady(url, getExit) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const exit = getExit();
    if (exit) {
      const how = exit.error ? exit.error.message : `code ${exit.code}, signal ${exit.signal}`;
      throw new Error(`exited before it was ready (${how})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      // Drain the body so the connection is released.
      await res.arrayBuffer();
      if (res.status === 200) return;
      lastProblem = `HTTP ${res.status}`;
    } catch (err) {
      lastProblem = err.cause?.code ?? err.message;
    }
    await sleep(READY_POLL_MS);
  }
  throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s at ${url} (last: ${lastProblem})`);
}

/** SIGTERM by PID, then SIGKILL if the process has not exited after 5 s. */
async function stopChild(child, exitPromise, getExit, workDir) {
  if (!getExit()) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // Already gone between the check and the kill.
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
  // Only remove the directory (data and log) after a clean stop; keep it to debug anything else.
  const exit = getExit();
  if (exit && (exit.code === 0 || exit.signal === 'SIGTERM')) {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

function logTail(logPath) {
  try {
    const text = fs.readFileSync(logPath, 'utf8');
    return text.length > LOG_TAIL_BYTES ? `...${text.slice(-LOG_TAIL_BYTES)}` : text || '(empty)';
  } catch {
    return '(no log)';
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pids of a process and its direct children (islet's executors), from /proc. */
export function processTree(pid) {
  const children = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && Number(stat[1]) === pid) children.push(Number(entry));
  }
  return [pid, ...children];
}

/**
 * CPU time (user + system, ms) so far of each pid given, by pid; 0 for one that has exited.
 * Linux reports it in clock ticks of 10 ms (USER_HZ is 100 on every Linux architecture Node runs on).
 */
export function cpuTimesMs(pids) {
  return Object.fromEntries(
    pids.map((pid) => {
      const stat = readStat(pid);
      return [pid, stat ? (Number(stat[11]) + Number(stat[12])) * 10 : 0];
    }),
  );
}

/** Fields of /proc/PID/stat after the command name (index 0 is the state, 1 the parent pid). */
function readStat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
