import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { requestIdOf } from '../helpers/log';
import { startServer, type TestServer } from '../helpers/server';

/**
 * A heap hog: a 128 MB function pushing strings and objects into an array it keeps. The V8 heap
 * limit of its isolate (the function's MemorySize) must stop it with Runtime.OutOfMemory, well
 * before its 10 s timeout, without taking the executor process (and its other environments) down.
 */

let server: TestServer;

const hostile = `
let n = 0;
const hoard = [];
exports.handler = async (event) => {
  n++;
  if (event.evil) {
    console.log('hoarding');
    // Let the log line reach the host before the loop starts.
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; ; i++) hoard.push({ i, text: 'y'.repeat(100) + i, list: [i, i + 1, i + 2] });
  }
  return { n };
};`;

const wellBehaved = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const client = server.lambda();
  await deploy(client, 'hog', { 'index.js': hostile }, { MemorySize: 128, Timeout: 10 });
  await deploy(client, 'good', { 'index.js': wellBehaved });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('a heap hog', () => {
  let oom: Awaited<ReturnType<typeof invoke>>;
  let oomElapsed = 0;

  it('the well-behaved function answers before the hostile one runs', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 0 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1, echo: { i: 0 } });
  });

  it('ends with Runtime.OutOfMemory naming the 128 MB limit, before its timeout', async () => {
    const t0 = performance.now();
    oom = await invoke(server.lambda(), 'hog', { evil: true });
    oomElapsed = performance.now() - t0;
    const id = requestIdOf(oom.log);

    expect(oom.status).toBe(200);
    expect(oom.functionError).toBe('Unhandled');
    const { trace, ...error } = oom.payload;
    expect(error).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: memory limit of 128 MB exceeded`,
    });
    if (trace !== undefined) expect(trace).toEqual([]);
    expect(oomElapsed).toBeLessThan(9000);
    expect(oom.log).toMatch(new RegExp(`^\\S+\\t${id}\\tINFO\\thoarding$`, 'm'));
    expect(oom.log).toContain(`\nEND RequestId: ${id}\n`);
    expect(oom.log).not.toContain('Task timed out');
  });

  it('survives in the executor process: no executor crash is logged', () => {
    expect(server.output()).not.toContain('executor.crashed');
  });

  it('reports the memory the function reached in its REPORT line', () => {
    const id = requestIdOf(oom.log);
    const m = new RegExp(
      `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: (\\d+) MB(\\tInit Duration: \\d+\\.\\d{2} ms)?\\t$`,
      'm',
    ).exec(oom.log);
    expect(m).not.toBeNull();
    // Lambda reports the memory used when it stopped the function (its MemorySize for an OOM kill).
    expect(Number(m![1])).toBeGreaterThanOrEqual(100);
  });

  it('leaves the well-behaved function on the same executor answering from its warm environment', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 1 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 2, echo: { i: 1 } });
    expect(r.log).not.toContain('Init Duration');
  });

  it('runs the hostile function again from a fresh environment on its next call', async () => {
    const r = await invoke(server.lambda(), 'hog', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
  });
});
