import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { requestIdOf } from '../helpers/log';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Timers that keep a function busy forever: an async handler waiting on a promise that a
 * setInterval never resolves, and a callback handler whose recursive setTimeout keeps the event
 * loop from ever emptying (callbackWaitsForEmptyEventLoop is true by default, so Lambda waits).
 * Their timers must die with the environment: no tick may reach a later invocation.
 */

let server: TestServer;

const interval = `
let n = 0;
exports.handler = async (event) => {
  n++;
  if (event.evil) {
    let ticks = 0;
    await new Promise((resolve) => {
      setInterval(() => {
        ticks++;
        console.log('tick', ticks);
        if (ticks < 0) resolve();
      }, 50);
    });
  }
  return { n };
};`;

const recursive = `
let n = 0;
exports.handler = (event, context, callback) => {
  n++;
  if (event.evil) {
    let hops = 0;
    const again = () => {
      hops++;
      if (hops % 20 === 0) console.log('hop', hops);
      setTimeout(again, 1);
    };
    again();
    callback(null, { n, answered: 'too early' });
    return;
  }
  callback(null, { n });
};`;

const wellBehaved = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

function expectTimedOut(r: Awaited<ReturnType<typeof invoke>>, elapsed: number) {
  const id = requestIdOf(r.log);
  expect(r.status).toBe(200);
  expect(r.functionError).toBe('Unhandled');
  const { trace, ...error } = r.payload;
  expect(error).toEqual({
    errorType: 'Sandbox.Timedout',
    errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
  });
  if (trace !== undefined) expect(trace).toEqual([]);
  expect(elapsed).toBeGreaterThanOrEqual(950);
  expect(elapsed).toBeLessThan(5000);
  expect(r.log).toMatch(
    new RegExp(
      `^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z ${id} Task timed out after 1\\.00 seconds$`,
      'm',
    ),
  );
  expect(r.log).toContain(`\nEND RequestId: ${id}\n`);
  expect(r.log).toMatch(
    new RegExp(
      `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB(\\tInit Duration: \\d+\\.\\d{2} ms)?\\t$`,
      'm',
    ),
  );
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const client = server.lambda();
  await deploy(client, 'interval', { 'index.js': interval }, { Timeout: 1 });
  await deploy(client, 'recursive', { 'index.js': recursive }, { Timeout: 1 });
  await deploy(client, 'good', { 'index.js': wellBehaved });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('a timer loop that never lets the invocation finish', () => {
  it('the well-behaved function answers before the hostile ones run', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 0 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1, echo: { i: 0 } });
  });

  it('setInterval feeding a promise that never resolves: times out after 1 s', async () => {
    const t0 = performance.now();
    const r = await invoke(server.lambda(), 'interval', { evil: true });
    expectTimedOut(r, performance.now() - t0);
    // The interval really ran during the invocation.
    expect(r.log).toMatch(/\tINFO\ttick 1$/m);
    expect(server.output()).not.toContain('executor.crashed');
  });

  it('the setInterval function answers again from a fresh environment, with no tick from the old one', async () => {
    const r = await invoke(server.lambda(), 'interval', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
    expect(r.log).not.toContain('tick');
  });

  it('a recursive setTimeout keeping a callback handler busy: times out after 1 s instead of answering', async () => {
    const t0 = performance.now();
    const r = await invoke(server.lambda(), 'recursive', { evil: true });
    expectTimedOut(r, performance.now() - t0);
    expect(r.log).toMatch(/\tINFO\thop 20$/m);
    expect(server.output()).not.toContain('executor.crashed');
  });

  it('the recursive-setTimeout function answers again from a fresh environment, with no hop from the old one', async () => {
    const r = await invoke(server.lambda(), 'recursive', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
    expect(r.log).not.toContain('hop');
  });

  it('leaves the well-behaved function answering from its warm environment, untouched by stray timers', async () => {
    // Give any timer that survived its environment time to fire.
    await new Promise((r) => setTimeout(r, 200));
    const r = await invoke(server.lambda(), 'good', { i: 1 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 2, echo: { i: 1 } });
    expect(r.log).not.toContain('Init Duration');
    expect(r.log).not.toMatch(/tick|hop/);
  });
});
