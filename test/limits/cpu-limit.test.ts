import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { requestIdOf } from '../helpers/log';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The server-wide CPU cap (--cpu-limit-ms 200): an invocation that burns more than 200 ms of CPU
 * ends as Runtime.CpuLimitExceeded long before its 5 s timeout, while an invocation that merely
 * waits (wall time, no CPU) is not affected.
 */

let server: TestServer;

const spinner = `
let n = 0;
exports.handler = async (event) => {
  n++;
  if (event.evil) while (true) {}
  return { n };
};`;

const sleeper = `
exports.handler = async () => {
  await new Promise((resolve) => setTimeout(resolve, 600));
  return { slept: true };
};`;

const wellBehaved = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--cpu-limit-ms', '200'] });
  const client = server.lambda();
  await deploy(client, 'spin', { 'index.js': spinner }, { Timeout: 5 });
  await deploy(client, 'sleeper', { 'index.js': sleeper }, { Timeout: 5 });
  await deploy(client, 'good', { 'index.js': wellBehaved });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('--cpu-limit-ms 200', () => {
  it('the well-behaved function answers before the hostile one runs', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 0 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1, echo: { i: 0 } });
  });

  it('ends a busy loop with Runtime.CpuLimitExceeded well before its 5 s timeout', async () => {
    const t0 = performance.now();
    const r = await invoke(server.lambda(), 'spin', { evil: true });
    const elapsed = performance.now() - t0;
    const id = requestIdOf(r.log);

    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    const { trace, ...error } = r.payload;
    expect(error).toEqual({
      errorType: 'Runtime.CpuLimitExceeded',
      errorMessage: `RequestId: ${id} Error: Runtime exited with error: CPU time limit of 200 ms exceeded`,
    });
    if (trace !== undefined) expect(trace).toEqual([]);
    expect(elapsed).toBeLessThan(3000);
    expect(r.log).not.toContain('Task timed out');
    expect(r.log).toContain(`\nEND RequestId: ${id}\n`);
    expect(r.log).toMatch(new RegExp(`^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\t`, 'm'));
    expect(server.output()).not.toContain('executor.crashed');
  });

  it('leaves the well-behaved function answering from its warm environment', async () => {
    const r = await invoke(server.lambda(), 'good', { i: 1 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 2, echo: { i: 1 } });
    expect(r.log).not.toContain('Init Duration');
  });

  it('runs the hostile function again from a fresh environment on its next call', async () => {
    const r = await invoke(server.lambda(), 'spin', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ n: 1 });
    expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
  });

  it('does not count waiting: a 600 ms sleep (more wall time than the CPU cap) succeeds', async () => {
    const r = await invoke(server.lambda(), 'sleeper', {});
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ slept: true });
  });
});
