import { InvokeCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--region', 'eu-west-1'] });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TS = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

/** The REPORT line's figures; throws if the line is absent or malformed. */
function report(log: string) {
  const m =
    /^REPORT RequestId: ([0-9a-f-]{36})\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d{2}) ms)?\t?$/m.exec(
      log,
    );
  if (!m) throw new Error(`no REPORT line in:\n${log}`);
  return {
    requestId: m[1]!,
    durationMs: Number(m[2]),
    billedMs: Number(m[3]),
    memoryMb: Number(m[4]),
    maxMemoryMb: Number(m[5]),
    initMs: m[6] === undefined ? undefined : Number(m[6]),
  };
}

function startId(log: string): string {
  const m = /^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/m.exec(log);
  if (!m) throw new Error(`no START line in:\n${log}`);
  return m[1]!;
}

describe('async handlers', () => {
  it('returns the resolved value as the payload', async () => {
    const client = server.lambda();
    await deploy(client, 'async-ok', {
      'index.js': 'exports.handler = async (event) => ({ echo: event, n: 1, s: "é" });',
    });
    const r = await invoke(client, 'async-ok', { a: [1, 2] });
    expect(r.status).toBe(200);
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ echo: { a: [1, 2] }, n: 1, s: 'é' });
  });

  it('a thrown TypeError is an Unhandled function error with errorType, errorMessage and trace', async () => {
    const client = server.lambda();
    await deploy(client, 'async-throw', {
      'index.js': "exports.handler = async () => { throw new TypeError('boom'); };",
    });
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'async-throw', Payload: Buffer.from('{}'), LogType: 'Tail' }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(Buffer.from(out.Payload!).toString('utf8'));
    expect(Object.keys(payload).sort()).toEqual(['errorMessage', 'errorType', 'trace']);
    expect(payload.errorType).toBe('TypeError');
    expect(payload.errorMessage).toBe('boom');
    expect(Array.isArray(payload.trace)).toBe(true);
    expect(payload.trace[0]).toBe('TypeError: boom');
    expect(payload.trace[1]).toMatch(/^ {4}at .*\/var\/task\/index\.js:1:\d+/);
  });

  it('a custom error class gives its name as errorType', async () => {
    const client = server.lambda();
    await deploy(client, 'async-custom-error', {
      'index.js': `
        class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
        exports.handler = async () => { throw new MyError('custom'); };`,
    });
    const r = await invoke(client, 'async-custom-error');
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('MyError');
    expect(r.payload.errorMessage).toBe('custom');
    expect(r.payload.trace[0]).toBe('MyError: custom');
  });

  it('an async handler resolving undefined answers null', async () => {
    const client = server.lambda();
    await deploy(client, 'async-undefined', { 'index.js': 'exports.handler = async () => {};' });
    const r = await invoke(client, 'async-undefined');
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toBeNull();
  });
});

describe('callback handlers', () => {
  it('cb(null, result) and cb(error)', async () => {
    const client = server.lambda();
    await deploy(client, 'callback', {
      'index.js': `
        exports.handler = (event, context, cb) => {
          if (event.fail) cb(new Error('x'));
          else cb(null, { ok: 1 });
        };`,
    });
    const ok = await invoke(client, 'callback', {});
    expect(ok.functionError).toBeUndefined();
    expect(ok.payload).toEqual({ ok: 1 });
    const bad = await invoke(client, 'callback', { fail: true });
    expect(bad.functionError).toBe('Unhandled');
    expect(bad.payload.errorType).toBe('Error');
    expect(bad.payload.errorMessage).toBe('x');
    expect(bad.payload.trace[0]).toBe('Error: x');
  });

  it('by default the response waits for a pending timer; its side effect is visible on the next invoke', async () => {
    const client = server.lambda();
    await deploy(client, 'callback-wait', {
      'index.js': `
        let fired = 0;
        exports.handler = (event, context, cb) => {
          const before = fired;
          setTimeout(() => { fired++; }, 200);
          cb(null, { before, waits: context.callbackWaitsForEmptyEventLoop });
        };`,
    });
    const first = await invoke(client, 'callback-wait');
    expect(first.functionError).toBeUndefined();
    expect(first.payload).toEqual({ before: 0, waits: true });
    expect(report(first.log).durationMs).toBeGreaterThanOrEqual(150);
    const second = await invoke(client, 'callback-wait');
    expect(second.payload).toEqual({ before: 1, waits: true });
  });

  it('with callbackWaitsForEmptyEventLoop = false the response does not wait for the timer', async () => {
    const client = server.lambda();
    await deploy(client, 'callback-nowait', {
      'index.js': `
        let fired = 0;
        exports.handler = (event, context, cb) => {
          context.callbackWaitsForEmptyEventLoop = false;
          const before = fired;
          setTimeout(() => { fired++; }, 200);
          cb(null, { before });
        };`,
    });
    const first = await invoke(client, 'callback-nowait');
    expect(first.functionError).toBeUndefined();
    expect(first.payload).toEqual({ before: 0 });
    expect(report(first.log).durationMs).toBeLessThan(150);
  });

  it('a sync handler that returns undefined and never calls back answers null', async () => {
    const client = server.lambda();
    await deploy(client, 'sync-undefined', {
      'index.js': 'exports.handler = (event, context, callback) => { console.log("did nothing"); };',
    });
    const r = await invoke(client, 'sync-undefined');
    expect(r.status).toBe(200);
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toBeNull();
  });
});

describe('2014 context methods', () => {
  it('context.succeed, context.fail, context.done(null, x), context.done(err)', async () => {
    const client = server.lambda();
    await deploy(client, 'context-2014', {
      'index.js': `
        exports.handler = function (event, context) {
          switch (event.mode) {
            case 'succeed': return context.succeed({ via: 'succeed' });
            case 'fail': return context.fail(new Error('e'));
            case 'done-ok': return context.done(null, { via: 'done' });
            case 'done-err': return context.done(new RangeError('done failed'));
          }
        };`,
    });
    const succeed = await invoke(client, 'context-2014', { mode: 'succeed' });
    expect(succeed.functionError).toBeUndefined();
    expect(succeed.payload).toEqual({ via: 'succeed' });

    const fail = await invoke(client, 'context-2014', { mode: 'fail' });
    expect(fail.functionError).toBe('Unhandled');
    expect(fail.payload.errorType).toBe('Error');
    expect(fail.payload.errorMessage).toBe('e');

    const doneOk = await invoke(client, 'context-2014', { mode: 'done-ok' });
    expect(doneOk.functionError).toBeUndefined();
    expect(doneOk.payload).toEqual({ via: 'done' });

    const doneErr = await invoke(client, 'context-2014', { mode: 'done-err' });
    expect(doneErr.functionError).toBe('Unhandled');
    expect(doneErr.payload.errorType).toBe('RangeError');
    expect(doneErr.payload.errorMessage).toBe('done failed');
  });
});

describe('context object', () => {
  it('has the Lambda fields; awsRequestId matches the START line; clientContext arrives as an object', async () => {
    const client = server.lambda();
    const created = await deploy(
      client,
      'context-fields',
      {
        'index.js': `
        exports.handler = async (event, context) => ({
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          remaining: context.getRemainingTimeInMillis(),
          remainingType: typeof context.getRemainingTimeInMillis(),
          clientContext: context.clientContext,
          clientContextType: typeof context.clientContext,
          waits: context.callbackWaitsForEmptyEventLoop,
        });`,
      },
      { Timeout: 7 },
    );
    const clientContext = {
      client: { installation_id: 'i-1', app_title: 'T' },
      custom: { k: 'v' },
      env: { locale: 'en' },
    };
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'context-fields',
        Payload: Buffer.from('{}'),
        LogType: 'Tail',
        ClientContext: Buffer.from(JSON.stringify(clientContext)).toString('base64'),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    const ctx = JSON.parse(Buffer.from(out.Payload!).toString('utf8'));
    const log = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(ctx).toMatchObject({
      functionName: 'context-fields',
      functionVersion: '$LATEST',
      invokedFunctionArn: created.FunctionArn,
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/context-fields',
      remainingType: 'number',
      clientContext,
      clientContextType: 'object',
      waits: true,
    });
    expect(created.FunctionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:context-fields');
    expect(ctx.awsRequestId).toMatch(UUID);
    expect(ctx.awsRequestId).toBe(startId(log));
    expect(ctx.awsRequestId).toBe(out.$metadata.requestId);
    expect(ctx.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(ctx.remaining).toBeGreaterThan(0);
    expect(ctx.remaining).toBeLessThanOrEqual(7000);

    // Without a ClientContext header the field is undefined (absent from the JSON).
    const plain = await invoke(client, 'context-fields');
    expect(plain.payload.clientContext).toBeUndefined();
    expect(plain.payload.clientContextType).toBe('undefined');
    expect(plain.payload.awsRequestId).not.toBe(ctx.awsRequestId);
    expect(plain.payload.logStreamName).toBe(ctx.logStreamName); // same (warm) environment
  });

  it('process.env has the Lambda variables and the user variables', async () => {
    const client = server.lambda();
    await deploy(
      client,
      'env-vars',
      {
        'index.js': `
        exports.handler = async () => {
          const keys = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
            'AWS_LAMBDA_FUNCTION_VERSION', '_HANDLER', 'LAMBDA_TASK_ROOT', 'MY_VAR', 'OTHER'];
          return Object.fromEntries(keys.map((k) => [k, process.env[k]]));
        };`,
      },
      { MemorySize: 256, Environment: { Variables: { MY_VAR: 'hello world', OTHER: '' } } },
    );
    const r = await invoke(client, 'env-vars');
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: 'env-vars',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: '/var/task',
      MY_VAR: 'hello world',
      OTHER: '',
    });
  });
});

describe('console and the invocation log', () => {
  it('writes START, one TIMESTAMP\\tID\\tLEVEL\\tmessage entry per call, END and REPORT', async () => {
    const client = server.lambda();
    await deploy(client, 'console-log', {
      'index.js': `
        exports.handler = async () => {
          console.log('a', { b: 1 });
          console.info('info %s', 'x');
          console.warn('warned');
          console.error('errored');
          console.debug('debugged');
          console.log('line1\\nline2');
          return 'done';
        };`,
    });
    const first = await invoke(client, 'console-log');
    expect(first.payload).toBe('done');
    const id = startId(first.log);
    const esc = id.replace(/-/g, '\\-');
    const entry = (level: string, msg: string) => `${TS}\\t${esc}\\t${level}\\t${msg}\\n`;
    const whole = new RegExp(
      `^START RequestId: ${esc} Version: \\$LATEST\\n` +
        entry('INFO', 'a \\{ b: 1 \\}') +
        entry('INFO', 'info x') +
        entry('WARN', 'warned') +
        entry('ERROR', 'errored') +
        entry('DEBUG', 'debugged') +
        entry('INFO', 'line1\\nline2') +
        `END RequestId: ${esc}\\n` +
        `REPORT RequestId: ${esc}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d{2} ms\\t?\\n$`,
    );
    expect(first.log).toMatch(whole);

    const r1 = report(first.log);
    expect(r1.requestId).toBe(id);
    expect(r1.memoryMb).toBe(128);
    expect(r1.maxMemoryMb).toBeGreaterThan(0);
    expect(r1.initMs).toBeGreaterThan(0);
    expect(r1.billedMs).toBe(Math.max(100, Math.ceil(r1.durationMs / 100) * 100));

    // Warm: no Init Duration.
    const second = await invoke(client, 'console-log');
    const id2 = startId(second.log);
    expect(id2).not.toBe(id);
    expect(second.log).toMatch(/^START RequestId: /);
    expect(second.log).not.toContain('Init Duration');
    const r2 = report(second.log);
    expect(r2.requestId).toBe(id2);
    expect(r2.initMs).toBeUndefined();
    expect(r2.billedMs).toBe(Math.max(100, Math.ceil(r2.durationMs / 100) * 100));
    expect(second.log).toMatch(
      new RegExp(
        `\\nEND RequestId: ${id2}\\nREPORT RequestId: ${id2}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\t?\\n$`,
      ),
    );
  });

  it('Billed Duration is Duration rounded up to the next 100 ms', async () => {
    const client = server.lambda();
    await deploy(client, 'billed', {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 120)); return 1; };',
    });
    const r = await invoke(client, 'billed');
    const rep = report(r.log);
    expect(rep.durationMs).toBeGreaterThanOrEqual(110);
    expect(rep.billedMs).toBe(Math.ceil(rep.durationMs / 100) * 100);
    expect(rep.billedMs).toBeGreaterThanOrEqual(200);
  });
});
