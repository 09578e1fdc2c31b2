import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

/**
 * What a hostile function can try against the service-call channel, with the exact outcome of
 * each: nothing of the host is reachable, bad inputs fail inside the function only, and the
 * server keeps serving.
 */
let server: TestServer;

const probe = (body: string) => ({
  'index.js': `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
    const client = new LambdaClient({});
    const call = (input) => client.send(new InvokeCommand(input));
    const outcome = (p) => p.then((v) => ({ ok: v }), (e) => ({ name: e.name, message: String(e.message).slice(0, 200) }));
    ${body}`,
});

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const lambda = server.lambda();
  await deploy(lambda, 'echo', { 'index.js': 'exports.handler = async (e) => e;' });
  await deploy(
    lambda,
    'sleeper',
    {
      'index.js': 'exports.handler = (e) => new Promise((r) => setTimeout(() => r("woke"), 3000));',
    },
    { Timeout: 10 },
  );
  await deploy(
    lambda,
    'probes',
    probe(`
    let late;
    exports.handler = async (e) => {
      switch (e.probe) {
        case 'prototype': {
          const out = await call({ FunctionName: 'echo', Payload: '{"a":1}' });
          const F = out.$metadata.constructor.constructor;
          return {
            protoIsSandboxObject: Object.getPrototypeOf(out) === Object.prototype,
            payloadIsUint8Array: out.Payload instanceof Uint8Array,
            globalIsOwn: F('return globalThis')() === globalThis,
            processIsOwn: F('return process')() === process,
          };
        }
        case 'pollution': {
          // An own "__proto__" key must stay data on the host, not change how the call is read.
          const input = JSON.parse('{"FunctionName":"echo","Payload":"{}","__proto__":{"InvocationType":"Event"}}');
          const out = await call(input);
          return { status: out.StatusCode, objectProtoClean: ({}).InvocationType === undefined };
        }
        case 'getter-throws':
          return outcome(call({ FunctionName: 'echo', get Payload() { throw new Error('boom'); } }));
        case 'cycle': {
          const input = { FunctionName: 'echo' };
          input.self = input;
          return outcome(call(input));
        }
        case 'tojson-huge':
          return outcome(call({ FunctionName: 'echo', Payload: { toJSON: () => 'x'.repeat(17 * 1024 * 1024) } }));
        case 'not-an-object':
          return outcome(require('@aws-sdk/client-lambda').LambdaClient.prototype.send.call(client, { input: 1 }));
        case 'prepare-stack-trace': {
          Error.prepareStackTrace = () => { throw new Error('hostile'); };
          const r = await outcome(call({ FunctionName: 'no-such-function' }));
          delete Error.prepareStackTrace;
          return r;
        }
        case 'flood': {
          const all = [];
          for (let i = 0; i < 300; i++) all.push(outcome(call({ FunctionName: 'echo', Payload: String(i) })));
          const results = await Promise.all(all);
          return {
            ok: results.filter((r) => r.ok).length,
            refused: results.filter((r) => r.name === 'TooManyRequestsException').length,
          };
        }
        case 'fire-and-forget':
          call({ FunctionName: 'echo', Payload: '{"later":true}' }).then((o) => { late = JSON.parse(o.Payload.transformToString()); });
          return 'returned';
        case 'read-late':
          return late ?? null;
        case 'bad-payload':
          return outcome(call({ FunctionName: 'echo', Payload: 'not json' }));
      }
    };`),
  );
  await deploy(
    lambda,
    'impatient',
    probe(`exports.handler = async () => (await call({ FunctionName: 'sleeper' })).StatusCode;`),
    { Timeout: 1 },
  );
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

const run = async (probeName: string) =>
  (await invoke(server.lambda(), 'probes', { probe: probeName })).payload;

describe('service-call channel under hostile use', () => {
  it('returns plain sandbox objects: no host prototype or global is reachable', async () => {
    expect(await run('prototype')).toEqual({
      protoIsSandboxObject: true,
      payloadIsUint8Array: true,
      globalIsOwn: true,
      processIsOwn: true,
    });
  });

  it('treats an own __proto__ key as data (no prototype pollution on the host)', async () => {
    expect(await run('pollution')).toEqual({ status: 200, objectProtoClean: true });
  });

  it('fails a call whose input throws, cycles or is too large, inside the function only', async () => {
    expect(await run('getter-throws')).toEqual({
      name: 'TypeError',
      message: 'cannot send this input to lambda.Invoke: boom',
    });
    expect((await run('cycle')).name).toBe('TypeError');
    expect(await run('tojson-huge')).toMatchObject({ name: 'RequestEntityTooLargeException' });
    expect(await run('not-an-object')).toMatchObject({ name: 'TypeError' });
    expect(await run('bad-payload')).toMatchObject({ name: 'InvalidRequestContentException' });
  });

  it('keeps working when the function sabotages Error.prepareStackTrace', async () => {
    expect(await run('prepare-stack-trace')).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('bounds the calls one environment has in flight', async () => {
    expect(await run('flood')).toEqual({ ok: 256, refused: 44 });
  });

  it('delivers an answer that arrives after the invocation ended to the next invocation', async () => {
    expect(await run('fire-and-forget')).toBe('returned');
    await new Promise((r) => setTimeout(r, 300));
    expect(await run('read-late')).toEqual({ later: true });
  });

  it('a call outliving the caller deadline ends in the caller timeout, and the server goes on', async () => {
    const r = await invoke(server.lambda(), 'impatient');
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    expect((await invoke(server.lambda(), 'echo', { still: 'serving' })).payload).toEqual({
      still: 'serving',
    });
  });
});
