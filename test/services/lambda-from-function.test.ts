import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const lambda = server.lambda();
  await deploy(lambda, 'callee', {
    'index.js': `exports.handler = async (e) => {
      if (e.fail) throw new TypeError('callee failed');
      return { doubled: e.n * 2 };
    };`,
  });
  await deploy(lambda, 'caller-v3', {
    'index.mjs': `import { LambdaClient, InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
      const client = new LambdaClient({ region: 'us-east-1', endpoint: 'http://ignored.invalid' });
      export const handler = async (e) => {
        if (e.missing) {
          try {
            await client.send(new InvokeCommand({ FunctionName: 'no-such-fn', Payload: '{}' }));
            return 'no error';
          } catch (err) {
            return { name: err.name, isClass: err instanceof ResourceNotFoundException, status: err.$metadata.httpStatusCode };
          }
        }
        const out = await client.send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify(e.payload) }));
        return {
          status: out.StatusCode,
          functionError: out.FunctionError ?? null,
          payload: JSON.parse(out.Payload.transformToString()),
          metadata: out.$metadata.httpStatusCode,
        };
      };`,
  });
  await deploy(lambda, 'caller-v2', {
    'index.js': `const AWS = require('aws-sdk');
      AWS.config.update({ region: 'eu-west-1' });
      const lambda = new AWS.Lambda();
      exports.handler = async () => {
        const viaPromise = await lambda.invoke({ FunctionName: 'callee', Payload: '{"n":5}' }).promise();
        const viaCallback = await new Promise((resolve) =>
          lambda.invoke({ FunctionName: 'nope' }, (err, data) => resolve({ code: err.code, statusCode: err.statusCode, data })),
        );
        return { payload: JSON.parse(viaPromise.Payload), type: typeof viaPromise.Payload, viaCallback };
      };`,
    // A bundled copy of the SDK is ignored: the name always resolves to islet's shim.
    'node_modules/aws-sdk/package.json': '{"name":"aws-sdk","main":"index.js"}',
    'node_modules/aws-sdk/index.js': 'throw new Error("the bundled aws-sdk must not load")',
  });
  await deploy(lambda, 'caller-cb', {
    'index.js': `const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');
      const client = new LambdaClient({});
      exports.handler = (e, ctx, cb) => {
        client.send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify({ n: 21 }) }), (err, out) => {
          console.log('later', err ? 'error' : JSON.parse(new TextDecoder().decode(out.Payload)).doubled);
        });
        // A chain of reactions after the answer, ending in another call: all of it runs before the end.
        client
          .send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify({ n: 1 }) }))
          .then((out) => new TextDecoder().decode(out.Payload))
          .then((text) => JSON.parse(text).doubled)
          .then((d) => client.send(new InvokeCommand({ FunctionName: 'callee', Payload: JSON.stringify({ n: d }) })))
          .then((out) => console.log('chained', JSON.parse(new TextDecoder().decode(out.Payload)).doubled));
        // callback() before the call finishes: Lambda waits for the event loop (the pending call) to empty.
        cb(null, 'sent');
      };`,
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('a function invoking a function through the SDK shim', () => {
  it('returns the callee result as v3 does', async () => {
    const r = await invoke(server.lambda(), 'caller-v3', { payload: { n: 4 } });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ status: 200, functionError: null, payload: { doubled: 8 }, metadata: 200 });
  });

  it('reports a callee error as FunctionError with its payload', async () => {
    const r = await invoke(server.lambda(), 'caller-v3', { payload: { fail: true } });
    expect(r.payload.functionError).toBe('Unhandled');
    expect(r.payload.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'callee failed' });
  });

  it('throws the SDK exception class for a missing function', async () => {
    const r = await invoke(server.lambda(), 'caller-v3', { missing: true });
    expect(r.payload).toEqual({ name: 'ResourceNotFoundException', isClass: true, status: 404 });
  });

  it('works in the v2 style (aws-sdk) with promise() and callbacks', async () => {
    const r = await invoke(server.lambda(), 'caller-v2');
    expect(r.payload).toEqual({
      payload: { doubled: 10 },
      type: 'string',
      viaCallback: { code: 'ResourceNotFoundException', statusCode: 404 },
    });
  });

  it('keeps a callback handler waiting for its call in flight', async () => {
    const r = await invoke(server.lambda(), 'caller-cb');
    expect(r.payload).toBe('sent');
    expect(r.log).toMatch(/\tINFO\tlater 42\n/);
    expect(r.log).toMatch(/\tINFO\tchained 4\n/);
  });
});
