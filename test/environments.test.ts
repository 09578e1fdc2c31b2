import {
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

let server: TestServer;
let client: LambdaClient;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  client = server.lambda();
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

/** The REPORT line of a log tail (exactly one is expected). */
function reportOf(log: string): string {
  const lines = log.split('\n').filter((l) => l.startsWith('REPORT RequestId: '));
  expect(lines).toHaveLength(1);
  return lines[0];
}

const coldReport =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d{2} ms\t$/;
const warmReport =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t$/;

/** A handler that waits `ms` and returns the environment's id (made once, at module load) and its timing. */
const slowWithId = (ms: number) => `
const envId = Math.random().toString(36).slice(2) + Date.now().toString(36);
exports.handler = async () => {
  const start = Date.now();
  await new Promise((r) => setTimeout(r, ${ms}));
  return { envId, start, end: Date.now() };
};`;

/** Settles every promise; returns the fulfilled values and the rejection reasons. */
async function settle<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<T>).value),
    errors: results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as unknown),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('warm environments', () => {
  it('keeps module state between sequential invocations of the same version', async () => {
    await deploy(client, 'env-counter', {
      'index.js': 'let count = 0;\nexports.handler = async () => ++count;\n',
    });
    const r1 = await invoke(client, 'env-counter');
    const r2 = await invoke(client, 'env-counter');
    const r3 = await invoke(client, 'env-counter');
    expect([r1.payload, r2.payload, r3.payload]).toEqual([1, 2, 3]);
    expect(reportOf(r1.log)).toMatch(coldReport);
    expect(reportOf(r2.log)).toMatch(warmReport);
    expect(reportOf(r3.log)).toMatch(warmReport);
  });

  it('never shares globals between two functions', async () => {
    await deploy(client, 'env-global-a', {
      'index.js':
        "exports.handler = async () => { globalThis.shared = 'a'; return typeof globalThis.shared; };",
    });
    await deploy(client, 'env-global-b', {
      'index.js': 'exports.handler = async () => typeof globalThis.shared;',
    });
    expect((await invoke(client, 'env-global-a')).payload).toBe('string');
    expect((await invoke(client, 'env-global-b')).payload).toBe('undefined');
    // Warm A still has its own global; B still does not see it.
    expect((await invoke(client, 'env-global-a')).payload).toBe('string');
    expect((await invoke(client, 'env-global-b')).payload).toBe('undefined');
  });
});

describe('one invocation per environment, scale-out', () => {
  it('runs 5 concurrent invocations in 5 environments at the same time', async () => {
    await deploy(client, 'env-scale', { 'index.js': slowWithId(300) });
    type R = { envId: string; start: number; end: number };
    const round = async () => {
      const rs = await Promise.all(Array.from({ length: 5 }, () => invoke(client, 'env-scale')));
      for (const r of rs) expect(r.functionError).toBeUndefined();
      return rs;
    };
    // Cold round: every invocation needs its own environment.
    const cold = await round();
    const coldIds = new Set(cold.map((r) => (r.payload as R).envId));
    expect(coldIds.size).toBe(5);
    for (const r of cold) expect(reportOf(r.log)).toMatch(coldReport);

    // Warm round: the same 5 environments, each serving one invocation, all overlapping in time.
    const t0 = performance.now();
    const warm = await round();
    const wall = performance.now() - t0;
    const payloads = warm.map((r) => r.payload as R);
    expect(new Set(payloads.map((p) => p.envId))).toEqual(coldIds);
    for (const r of warm) expect(reportOf(r.log)).toMatch(warmReport);
    // Every invocation started before any of them finished: they ran concurrently.
    expect(Math.max(...payloads.map((p) => p.start))).toBeLessThan(Math.min(...payloads.map((p) => p.end)));
    expect(wall).toBeLessThan(5 * 300);
  });
});

describe('reserved concurrency', () => {
  it('admits exactly the reservation and throttles the rest with TooManyRequestsException', async () => {
    await deploy(client, 'env-reserved', { 'index.js': slowWithId(1000) });
    const put = await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'env-reserved', ReservedConcurrentExecutions: 2 }),
    );
    expect(put.ReservedConcurrentExecutions).toBe(2);

    const { ok, errors } = await settle(Array.from({ length: 4 }, () => invoke(client, 'env-reserved')));
    expect(ok).toHaveLength(2);
    for (const r of ok) {
      expect(r.functionError).toBeUndefined();
      expect(typeof (r.payload as { envId: string }).envId).toBe('string');
    }
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e).toBeInstanceOf(TooManyRequestsException);
      const t = e as TooManyRequestsException;
      expect(t.$metadata.httpStatusCode).toBe(429);
      expect(t.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      expect(t.message).toBe('Rate Exceeded.');
    }

    // The raw response: Retry-After header and the Reason field in the body.
    const holding = [invoke(client, 'env-reserved'), invoke(client, 'env-reserved')];
    await sleep(200);
    const res = await fetch(`${server.url}/2015-03-31/functions/env-reserved/invocations`, {
      method: 'POST',
      body: '{}',
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(body.message).toBe('Rate Exceeded.');
    expect(body.Type).toBe('User');
    for (const r of await Promise.all(holding)) expect(r.functionError).toBeUndefined();

    // Slots come back once the invocations end.
    expect((await invoke(client, 'env-reserved')).functionError).toBeUndefined();
  });

  it('throttles beyond the account limit (--concurrency 2) with ConcurrentInvocationLimitExceeded', async () => {
    const limited = await startServer({ args: ['--executors', '1', '--concurrency', '2'] });
    try {
      const c = limited.lambda();
      await deploy(c, 'acct-slow', { 'index.js': slowWithId(1000) });
      const { ok, errors } = await settle(Array.from({ length: 3 }, () => invoke(c, 'acct-slow')));
      expect(ok).toHaveLength(2);
      for (const r of ok) expect(r.functionError).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TooManyRequestsException);
      const t = errors[0] as TooManyRequestsException;
      expect(t.$metadata.httpStatusCode).toBe(429);
      expect(t.Reason).toBe('ConcurrentInvocationLimitExceeded');
      // Capacity returns afterwards.
      expect((await invoke(c, 'acct-slow')).functionError).toBeUndefined();
    } finally {
      await limited.stop();
      limited.cleanup();
    }
  });
});

describe('updates', () => {
  /** Starts an invocation and reports whether it is still running. */
  function track<T>(p: Promise<T>) {
    const state = { done: false };
    p.then(
      () => {
        state.done = true;
      },
      () => {
        state.done = true;
      },
    );
    return state;
  }

  it('UpdateFunctionCode takes effect for the next invocation; the in-flight one finishes on v1', async () => {
    const v1 =
      "exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return 'v1'; };";
    const v2 = "exports.handler = async () => 'v2';";
    await deploy(client, 'env-update-code', { 'index.js': v1 });
    const inflight = invoke(client, 'env-update-code');
    const state = track(inflight);
    await sleep(300);
    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'env-update-code',
        ZipFile: await makeZip({ 'index.js': v2 }),
      }),
    );
    expect(state.done).toBe(false); // the update really happened while v1 was running
    const next = await invoke(client, 'env-update-code');
    expect(next.payload).toBe('v2');
    expect(reportOf(next.log)).toMatch(coldReport);
    const first = await inflight;
    expect(first.functionError).toBeUndefined();
    expect(first.payload).toBe('v1');
    expect((await invoke(client, 'env-update-code')).payload).toBe('v2');
  });

  it('UpdateFunctionConfiguration (Environment) takes effect for the next invocation only', async () => {
    await deploy(
      client,
      'env-update-config',
      {
        'index.js':
          'exports.handler = async (e) => { if (e.wait) await new Promise((r) => setTimeout(r, 1000)); return process.env.COLOR; };',
      },
      { Environment: { Variables: { COLOR: 'red' } } },
    );
    expect((await invoke(client, 'env-update-config')).payload).toBe('red');
    const inflight = invoke(client, 'env-update-config', { wait: true });
    const state = track(inflight);
    await sleep(300);
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'env-update-config',
        Environment: { Variables: { COLOR: 'blue' } },
      }),
    );
    expect(state.done).toBe(false);
    expect((await invoke(client, 'env-update-config')).payload).toBe('blue');
    expect((await inflight).payload).toBe('red');
    expect((await invoke(client, 'env-update-config', { wait: true })).payload).toBe('blue');
  });
});

describe('bounded warm cache', () => {
  it('evicts the least recently used environment beyond --max-environments', async () => {
    const small = await startServer({ args: ['--executors', '1', '--max-environments', '2'] });
    try {
      const c = small.lambda();
      for (const name of ['lru-a', 'lru-b', 'lru-c']) {
        await deploy(c, name, { 'index.js': `exports.handler = async () => '${name}';` });
      }
      for (const name of ['lru-a', 'lru-b', 'lru-c']) {
        const r = await invoke(c, name);
        expect(r.payload).toBe(name);
        expect(reportOf(r.log)).toMatch(coldReport);
      }
      // A was evicted when C's environment went back to the cache.
      const a = await invoke(c, 'lru-a');
      expect(a.payload).toBe('lru-a');
      expect(reportOf(a.log)).toMatch(coldReport);
      // C was the most recently used of the two kept: still warm.
      const cAgain = await invoke(c, 'lru-c');
      expect(cAgain.payload).toBe('lru-c');
      expect(reportOf(cAgain.log)).toMatch(warmReport);
      // A is warm now too; B was pushed out by A.
      expect(reportOf((await invoke(c, 'lru-a')).log)).toMatch(warmReport);
      expect(reportOf((await invoke(c, 'lru-b')).log)).toMatch(coldReport);
    } finally {
      await small.stop();
      small.cleanup();
    }
  });
});
