import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { reportDurationMs, requestIdOf } from '../helpers/log';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The shared suite of the timeout cases: a function that misbehaves (only when event.evil is true)
 * in a way nothing inside the isolate can stop must end at its Timeout with Lambda's error and log
 * line, leave a well-behaved neighbour answering (also while it misbehaves), and start afresh on
 * its next call.
 */
export function describeTimeoutCase({
  title,
  name,
  evil,
}: {
  /** The describe() title. */
  title: string;
  /** The hostile function's name. */
  name: string;
  /** The statement run when event.evil is true. */
  evil: string;
}): void {
  let server: TestServer;

  // Misbehaves only when event.evil is true; `n` counts invocations of one execution environment.
  const hostile = `
  let n = 0;
  exports.handler = async (event) => {
    n++;
    console.log('invocation', n);
    if (event.evil) ${evil}
    return { n };
  };`;

  const wellBehaved = `
  let n = 0;
  exports.handler = async (event) => { n++; return { n, echo: event }; };`;

  beforeAll(async () => {
    server = await startServer({ args: ['--executors', '1'] });
    const client = server.lambda();
    await deploy(client, name, { 'index.js': hostile }, { Timeout: 1 });
    await deploy(client, `${name}-3s`, { 'index.js': hostile }, { Timeout: 3 });
    await deploy(client, 'good', { 'index.js': wellBehaved });
  });

  afterAll(async () => {
    await server.stop();
    server.cleanup();
  });

  describe(title, () => {
    it('the well-behaved function answers before the hostile one runs', async () => {
      const r = await invoke(server.lambda(), 'good', { i: 0 });
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toEqual({ n: 1, echo: { i: 0 } });
    });

    it('times out after 1 s with Sandbox.Timedout, the timeout log line and a REPORT', async () => {
      const t0 = performance.now();
      const r = await invoke(server.lambda(), name, { evil: true });
      const elapsed = performance.now() - t0;
      const id = requestIdOf(r.log);

      expect(r.status).toBe(200);
      expect(r.functionError).toBe('Unhandled');
      const { trace, ...error } = r.payload;
      expect(error).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
      });
      if (trace !== undefined) expect(trace).toEqual([]);

      // It ran for its whole timeout, and no longer than a generous bound.
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(5000);

      const lines = r.log.split('\n');
      const logged = lines.findIndex((l) => new RegExp(`^\\S+\\t${id}\\tINFO\\tinvocation 1$`).test(l));
      const timedOut = lines.findIndex((l) =>
        new RegExp(
          `^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z ${id} Task timed out after 1\\.00 seconds$`,
        ).test(l),
      );
      const end = lines.indexOf(`END RequestId: ${id}`);
      expect(logged).toBeGreaterThan(0);
      expect(timedOut).toBeGreaterThan(logged);
      expect(end).toBeGreaterThan(timedOut);
      const duration = reportDurationMs(r.log, id);
      expect(duration).toBeGreaterThanOrEqual(990);
      expect(duration).toBeLessThan(5000);
      expect(server.output()).not.toContain('executor.crashed');
    });

    it('leaves the well-behaved function answering from its warm environment', async () => {
      const r = await invoke(server.lambda(), 'good', { i: 1 });
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toEqual({ n: 2, echo: { i: 1 } });
      expect(r.log).not.toContain('Init Duration');
    });

    it('runs the hostile function again from a fresh environment on its next call', async () => {
      const r = await invoke(server.lambda(), name, {});
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toEqual({ n: 1 });
      expect(r.log).toMatch(/\tInit Duration: \d+\.\d{2} ms\t$/m);
    });

    it('does not hold up other functions on the same executor while it runs', async () => {
      const client = server.lambda();
      let hostileDone = false;
      const running = invoke(client, `${name}-3s`, { evil: true }).finally(() => {
        hostileDone = true;
      });
      // Let the hostile invocation get going.
      await new Promise((r) => setTimeout(r, 500));
      const good = await invoke(client, 'good', { i: 2 });
      const hostileDoneWhenGoodAnswered = hostileDone;
      const b = await running;

      expect(good.functionError).toBeUndefined();
      expect(good.payload).toEqual({ n: 3, echo: { i: 2 } });
      // The well-behaved function answered while the 3 s hostile call was still running.
      expect(hostileDoneWhenGoodAnswered).toBe(false);
      expect(b.functionError).toBe('Unhandled');
      expect(b.payload.errorType).toBe('Sandbox.Timedout');
      expect(b.payload.errorMessage).toBe(
        `RequestId: ${requestIdOf(b.log)} Error: Task timed out after 3.00 seconds`,
      );
      expect(server.output()).not.toContain('executor.crashed');
    });
  });
}
