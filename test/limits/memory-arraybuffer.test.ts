import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { requestIdOf } from '../helpers/log';
import { startServer, type TestServer } from '../helpers/server';

/**
 * An ArrayBuffer hog: a 128 MB function allocating 16 MB Uint8Arrays in a loop and keeping them.
 * ArrayBuffer memory lives outside the V8 heap. What islet does (isolated-vm's allocator plus
 * islet's memory limit):
 * - the allocation that would take the isolate past its MemorySize fails inside the function with
 *   a catchable `RangeError: Array buffer allocation failed`, after 8 x 16 MB = 128 MB;
 * - a function that catches it gets its answer through; one that lets it escape ends with that
 *   RangeError as a function error;
 * - an invocation that goes on holding more than its MemorySize ends with Runtime.OutOfMemory;
 * - an environment left holding more than its MemorySize is never reused;
 * - the executor process and the other functions on it are unaffected.
 */

let server: TestServer;

const hostile = `
let n = 0;
const kept = [];
exports.handler = async (event) => {
  n++;
  if (event.mode === 'catch') {
    try {
      for (;;) kept.push(new Uint8Array(16 * 1024 * 1024));
    } catch (e) {
      return { caught: e.name, message: e.message, count: kept.length };
    }
  }
  if (event.mode === 'throw') {
    const local = [];
    for (;;) local.push(new Uint8Array(16 * 1024 * 1024));
  }
  if (event.mode === 'hold') {
    console.log('allocating');
    try {
      for (;;) kept.push(new Uint8Array(16 * 1024 * 1024));
    } catch {
      // swallowed: the function goes on holding what it got
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { held: kept.length };
  }
  return { n };
};`;

const wellBehaved = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

type Result = Awaited<ReturnType<typeof invoke>>;

function expectOutOfMemory(r: Result) {
  const id = requestIdOf(r.log);
  expect(r.status).toBe(200);
  expect(r.functionError).toBe('Unhandled');
  const { trace, ...error } = r.payload;
  expect(error).toEqual({
    errorType: 'Runtime.OutOfMemory',
    errorMessage: `RequestId: ${id} Error: Runtime exited with error: memory limit of 128 MB exceeded`,
  });
  if (trace !== undefined) expect(trace).toEqual([]);
  expect(r.log).toContain(`\nEND RequestId: ${id}\n`);
  expect(r.log).toMatch(new RegExp(`^REPORT RequestId: ${id}\\t.*\\tMemory Size: 128 MB\\t`, 'm'));
}

async function expectFreshEnvironment() {
  const r = await invoke(server.lambda(), 'abhog', {});
  expect(r.functionError).toBeUndefined();
  expect(r.payload).toEqual({ n: 1 });
  expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const client = server.lambda();
  await deploy(client, 'abhog', { 'index.js': hostile }, { MemorySize: 128, Timeout: 10 });
  await deploy(client, 'good', { 'index.js': wellBehaved });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('an ArrayBuffer hog', () => {
  it('the well-behaved function answers before the hostile one runs', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 0 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1, echo: { i: 0 } });
  });

  it('fails the allocation past 128 MB with a RangeError the function can catch and answer with', async () => {
    // The buffers stay referenced by a module-level array after the answer.
    const r = await invoke(server.lambda(), 'abhog', { mode: 'catch' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ caught: 'RangeError', message: 'Array buffer allocation failed', count: 8 });
    expect(server.output()).not.toContain('executor.crashed');
  });

  it('throws that environment (holding more than 128 MB) away: the next call starts a fresh one', async () => {
    await expectFreshEnvironment();
  });

  it('lets an escaping RangeError end the invocation as a function error of that type', async () => {
    const r = await invoke(server.lambda(), 'abhog', { mode: 'throw' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('RangeError');
    expect(r.payload.errorMessage).toBe('Array buffer allocation failed');
    expect(r.payload.trace[0]).toBe('RangeError: Array buffer allocation failed');
    expect(server.output()).not.toContain('executor.crashed');
    // Its buffers were local: the function answers normally afterwards.
    const next = await invoke(server.lambda(), 'abhog', {});
    expect(next.functionError).toBeUndefined();
    expect(next.payload).toEqual({ n: expect.any(Number) });
  });

  it('ends with Runtime.OutOfMemory when the function goes on holding the memory, keeping its earlier log', async () => {
    const t0 = performance.now();
    const r = await invoke(server.lambda(), 'abhog', { mode: 'hold' });
    expect(performance.now() - t0).toBeLessThan(9000);
    expectOutOfMemory(r);
    expect(r.log).toMatch(new RegExp(`^\\S+\\t${requestIdOf(r.log)}\\tINFO\\tallocating$`, 'm'));
    expect(server.output()).not.toContain('executor.crashed');
    await expectFreshEnvironment();
  });

  it('leaves the well-behaved function on the same executor answering from its warm environment', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 1 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 2, echo: { i: 1 } });
    expect(r.log).not.toContain('Init Duration');
    expect(server.output()).not.toContain('executor.crashed');
  });
});
