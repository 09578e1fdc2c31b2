import { execSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { requestIdOf } from './helpers/log';
import { startServer, type TestServer } from './helpers/server';

/**
 * When V8 aborts fatally inside an executor process (or the process is killed), only that
 * process dies: its invocation in flight answers Runtime.ExitError, the front logs
 * `executor.crashed` and puts a standby executor in its place, and every other function keeps
 * being served.
 *
 * The fatal abort: a 128 MB function asking for one ~1 GB array in a single allocation. V8 cannot
 * satisfy it within the heap limit and aborts the whole process ("Fatal JavaScript out of memory:
 * CALL_AND_RETRY_LAST", SIGABRT) instead of failing softly. `new Array(2 ** 28).fill(0)` aborts
 * the same way ("invalid table size") but only after ~15 s of dictionary growth, too slow here.
 */

let server: TestServer;

const crasher = `
let n = 0;
exports.handler = async (event) => {
  n++;
  if (event.evil) Array.from({ length: 2 ** 27 }, (_, i) => i);
  return { n };
};`;

const healthy = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

// 64 MB of touched memory makes the executor holding this function easy to find by RSS.
const slow = `
let n = 0;
const ballast = new Uint8Array(64 * 1024 * 1024).fill(1);
exports.handler = async (event) => {
  n++;
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
  return { n, ballast: ballast.length };
};`;

/** islet routes a function to executor hash(name) % executors (src/runtime/executors.ts pick). */
function executorIndex(name: string, executors: number): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(h) % executors;
}
// The healthy function shares the crasher's executor, so the crash really hits its process.
const healthyName = Array.from({ length: 50 }, (_, i) => `healthy-${i}`).find(
  (n) => executorIndex(n, 2) === executorIndex('crasher', 2),
)!;

interface LogEvent {
  time: string;
  level: string;
  event: string;
  pid?: number;
  reason?: string;
  replacedBy?: number;
}

function crashEvents(): LogEvent[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as LogEvent;
      } catch {
        return undefined;
      }
    })
    .filter((e): e is LogEvent => e?.event === 'executor.crashed');
}

/** The server's child processes (executors and the standby) with their resident memory in KB. */
function children(): Array<{ pid: number; rssKb: number }> {
  let text = '';
  try {
    text = execSync(`ps -o pid=,rss= --ppid ${server.pid}`, { encoding: 'utf8' });
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pid, rss] = l.trim().split(/\s+/).map(Number);
      return { pid, rssKb: rss };
    });
}

/** `first`: the module counter the first call must see (1 = a fresh environment); undefined = any. */
async function expectHealthyServed(times: number, first: number | undefined) {
  const client = server.lambda();
  let base = first;
  for (let i = 0; i < times; i++) {
    const r = await invoke(client, healthyName, { i });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    base ??= r.payload.n;
    expect(r.payload).toEqual({ n: (base as number) + i, echo: { i } });
  }
}

/**
 * V8 either aborts the whole process on this allocation ("invalid table size ... heap out of
 * memory") or, when isolated-vm's heap-limit handling wins the race (it does under CPU load),
 * disposes the isolate cleanly. Both must leave the server serving; only the first is a crash.
 * Returns whether the executor crashed.
 */
async function expectCrash(crashesBefore: number): Promise<boolean> {
  const t0 = performance.now();
  const r = await invoke(server.lambda(), 'crasher', { evil: true });
  const id = requestIdOf(r.log);
  expect(r.status).toBe(200);
  expect(r.functionError).toBe('Unhandled');
  if (r.payload.errorType === 'Runtime.OutOfMemory') {
    expect(r.payload.errorMessage).toBe(
      `RequestId: ${id} Error: Runtime exited with error: memory limit of 128 MB exceeded`,
    );
    expect(crashEvents()).toHaveLength(crashesBefore);
    return false;
  }
  const expectedCrashes = crashesBefore + 1;
  expect(r.payload).toEqual({
    errorType: 'Runtime.ExitError',
    errorMessage: `RequestId: ${id} Error: Runtime exited with error: signal: aborted`,
  });
  expect(performance.now() - t0).toBeLessThan(15_000);
  expect(r.log).toMatch(
    new RegExp(
      `^\\S+\\t${id}\\tERROR\\tRequestId: ${id} Error: Runtime exited with error: signal: aborted$`,
      'm',
    ),
  );
  expect(r.log).toContain(`\nEND RequestId: ${id}\n`);
  expect(r.log).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\t`, 'm'));

  // The exit is seen before the answer is sent, so the log line is already there.
  const events = crashEvents();
  expect(events).toHaveLength(expectedCrashes);
  const last = events[events.length - 1];
  expect(last).toMatchObject({ level: 'error', event: 'executor.crashed', reason: 'signal: aborted' });
  expect(last.pid).toEqual(expect.any(Number));
  expect(last.replacedBy).toEqual(expect.any(Number));
  expect(last.replacedBy).not.toBe(last.pid);
  return true;
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '2'] });
  const client = server.lambda();
  await deploy(client, 'crasher', { 'index.js': crasher }, { MemorySize: 128, Timeout: 10 });
  await deploy(client, healthyName, { 'index.js': healthy });
  await deploy(client, 'slow', { 'index.js': slow }, { MemorySize: 256, Timeout: 10 });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

let crashes = 0;

describe('an executor process that dies', () => {
  it('serves the healthy function before any crash', async () => {
    await expectHealthyServed(1, 1);
    expect(crashEvents()).toEqual([]);
  });

  it('a fatal V8 abort answers Runtime.ExitError (signal: aborted) and logs executor.crashed', async () => {
    if (await expectCrash(0)) crashes++;
  });

  it('the healthy function on the crashed executor is served right after (10 calls, by the replacement)', async () => {
    // Its warm environment died with the process: the replacement starts it afresh.
    await expectHealthyServed(10, crashes === 1 ? 1 : undefined);
  });

  it('the crashing function itself works again from a fresh environment', async () => {
    const r = await invoke(server.lambda(), 'crasher', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
  });

  it('survives a second crash the same way', async () => {
    if (await expectCrash(crashes)) crashes++;
    await expectHealthyServed(10, crashes === 2 ? 1 : undefined);
  });

  it('an executor killed from outside (SIGKILL) fails its invocation in flight with Runtime.ExitError', async () => {
    const client = server.lambda();
    const before = crashEvents().length;
    const inFlight = invoke(client, 'slow', { ms: 2000 });

    // Find the executor that started the slow function's environment: it holds its 64 MB ballast.
    let target: number | undefined;
    const deadline = Date.now() + 5000;
    while (target === undefined && Date.now() < deadline) {
      const procs = children().sort((a, b) => b.rssKb - a.rssKb);
      if (procs.length >= 3 && procs[0].rssKb - procs[1].rssKb > 40 * 1024) target = procs[0].pid;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(target, `executors: ${JSON.stringify(children())}`).toBeDefined();
    process.kill(target!, 'SIGKILL');

    const r = await inFlight;
    const id = requestIdOf(r.log);
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('Runtime.ExitError');
    expect(r.payload.errorMessage).toContain('signal: SIGKILL');
    expect(r.payload.errorMessage).toBe(`RequestId: ${id} Error: Runtime exited with error: signal: SIGKILL`);

    const events = crashEvents();
    expect(events).toHaveLength(before + 1);
    expect(events[events.length - 1]).toMatchObject({
      event: 'executor.crashed',
      pid: target,
      reason: 'signal: SIGKILL',
    });
  });

  it('the next invocations succeed: the killed function from a fresh environment, the healthy one as before', async () => {
    const r = await invoke(server.lambda(), 'slow', { ms: 0 });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toEqual({ n: 1, ballast: 64 * 1024 * 1024 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
    const client = server.lambda();
    for (let i = 0; i < 5; i++) {
      const h = await invoke(client, healthyName, { i });
      expect(h.functionError).toBeUndefined();
      expect(h.payload.echo).toEqual({ i });
    }
  });
});
