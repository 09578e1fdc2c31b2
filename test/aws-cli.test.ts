import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

// The AWS CLI v2 against a real islet server.

let server: TestServer;
let dir: string;
const cli = (...args: string[]) => awsCli(server.url, ...args);

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  dir = mkdtempSync(join(tmpdir(), 'islet-cli-'));
  writeFileSync(
    join(dir, 'function.zip'),
    await makeZip({
      'index.js':
        'exports.handler = async (e, ctx) => ({ hello: e.name, fn: ctx.functionName, v: process.env.COLOR ?? null });',
    }),
  );
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('AWS CLI v2 with --endpoint-url', () => {
  it('creates, invokes, updates, lists and deletes a function', async () => {
    const created = JSON.parse(
      (
        await cli(
          'lambda',
          'create-function',
          '--function-name',
          'cli-fn',
          '--runtime',
          'nodejs20.x',
          '--handler',
          'index.handler',
          '--role',
          'arn:aws:iam::123456789012:role/any',
          '--zip-file',
          `fileb://${join(dir, 'function.zip')}`,
        )
      ).stdout,
    );
    expect(created.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:cli-fn');
    expect(created.State).toBe('Active');

    const out = join(dir, 'out.json');
    const invoked = JSON.parse(
      (
        await cli(
          'lambda',
          'invoke',
          '--function-name',
          'cli-fn',
          '--cli-binary-format',
          'raw-in-base64-out',
          '--payload',
          '{"name":"islet"}',
          '--log-type',
          'Tail',
          out,
        )
      ).stdout,
    );
    expect(invoked.StatusCode).toBe(200);
    expect(invoked.FunctionError).toBeUndefined();
    expect(Buffer.from(invoked.LogResult, 'base64').toString()).toMatch(/^START RequestId: /);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ hello: 'islet', fn: 'cli-fn', v: null });

    await cli(
      'lambda',
      'update-function-configuration',
      '--function-name',
      'cli-fn',
      '--environment',
      'Variables={COLOR=blue}',
      '--timeout',
      '10',
    );
    const conf = JSON.parse(
      (await cli('lambda', 'get-function-configuration', '--function-name', 'cli-fn')).stdout,
    );
    expect(conf.Timeout).toBe(10);
    expect(conf.Environment.Variables).toEqual({ COLOR: 'blue' });
    await cli(
      'lambda',
      'invoke',
      '--function-name',
      'cli-fn',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{}',
      out,
    );
    expect(JSON.parse(readFileSync(out, 'utf8')).v).toBe('blue');

    const async = JSON.parse(
      (
        await cli(
          'lambda',
          'invoke',
          '--function-name',
          'cli-fn',
          '--invocation-type',
          'Event',
          '--cli-binary-format',
          'raw-in-base64-out',
          '--payload',
          '{}',
          out,
        )
      ).stdout,
    );
    expect(async.StatusCode).toBe(202);

    const list = JSON.parse((await cli('lambda', 'list-functions')).stdout);
    expect(list.Functions.map((f: { FunctionName: string }) => f.FunctionName)).toEqual(['cli-fn']);

    await cli('lambda', 'delete-function', '--function-name', 'cli-fn');
    const missing = await cli('lambda', 'get-function', '--function-name', 'cli-fn').then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing?.code).toBe(254);
    expect(missing?.stderr).toContain(
      'An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:cli-fn',
    );
  });
});
