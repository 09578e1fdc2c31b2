import {
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
  InvalidParameterValueException,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invokeWhenFree, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// Keeps every invocation record it receives; {read:true} returns them. Reserved concurrency 1
// keeps a single environment, so its module state is the whole history.
const collector = `
const records = [];
exports.handler = async (event) => {
  if (event.read) return records;
  records.push(event);
  return 'kept';
};`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--async-retry-base-ms', '100'] });
  const client = server.lambda();
  await deploy(client, 'collector', { 'index.js': collector });
  await client.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'collector', ReservedConcurrentExecutions: 1 }),
  );
  await deploy(client, 'always-fails', {
    'index.js': 'exports.handler = async (e, ctx) => { throw new Error("failed " + ctx.awsRequestId); };',
  });
  await deploy(client, 'succeeds', { 'index.js': 'exports.handler = async (e) => ({ doubled: e.n * 2 });' });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

async function eventInvoke(name: string, payload: unknown): Promise<string> {
  const out = await server.lambda().send(
    new InvokeCommand({
      FunctionName: name,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  expect(out.StatusCode).toBe(202);
  return out.$metadata.requestId!;
}

// The collector has one slot: a delivery may hold it for a moment.
async function collected(): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), 'collector', { read: true })).payload;
}

async function deadLetters(name: string): Promise<any[]> {
  const res = await fetch(`${server.url}/islet/dead-letters?FunctionName=${name}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { DeadLetters: any[] }).DeadLetters;
}

describe('event invoke config', () => {
  it('is managed with Put/Update/Get/List/Delete through the SDK', async () => {
    const client = server.lambda();
    await expect(
      client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'succeeds' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const put = await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'succeeds',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 120,
        DestinationConfig: { OnSuccess: { Destination: arn('collector') } },
      }),
    );
    expect(put.FunctionArn).toBe(`${arn('succeeds')}:$LATEST`);
    expect(put.MaximumRetryAttempts).toBe(1);
    expect(put.DestinationConfig?.OnSuccess?.Destination).toBe(arn('collector'));
    expect(put.LastModified).toBeInstanceOf(Date);
    const updated = await client.send(
      new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'succeeds', MaximumRetryAttempts: 0 }),
    );
    expect(updated.MaximumRetryAttempts).toBe(0);
    expect(updated.MaximumEventAgeInSeconds).toBe(120); // Update merges
    const list = await client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'succeeds' }));
    expect(list.FunctionEventInvokeConfigs?.map((c) => c.MaximumRetryAttempts)).toEqual([0]);
    for (const bad of [
      { MaximumRetryAttempts: 3 },
      { MaximumEventAgeInSeconds: 59 },
      { DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:queue' } } },
    ]) {
      await expect(
        client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'succeeds', ...bad })),
      ).rejects.toBeInstanceOf(InvalidParameterValueException);
    }
    const still = await client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'succeeds' }));
    expect(still.MaximumRetryAttempts).toBe(0); // the rejected puts changed nothing
    await client
      .send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails' }))
      .catch((e) => {
        expect(e).toBeInstanceOf(ResourceNotFoundException);
      });
  });
});

describe('asynchronous invocation', () => {
  it('delivers a success record to the OnSuccess destination with the event id', async () => {
    const id = await eventInvoke('succeeds', { n: 21 });
    const records = await waitFor(async () => {
      const all = await collected();
      return all.some((r) => r.requestContext.requestId === id) ? all : undefined;
    });
    const record = records.find((r) => r.requestContext.requestId === id);
    expect(record.requestContext).toEqual({
      requestId: id,
      functionArn: `${arn('succeeds')}:$LATEST`,
      condition: 'Success',
      approximateInvokeCount: 1,
    });
    expect(record.requestPayload).toEqual({ n: 21 });
    expect(record.responsePayload).toEqual({ doubled: 42 });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });

  it('retries a failing function twice with the same request id, then sends RetriesExhausted to OnFailure', async () => {
    const client = server.lambda();
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'always-fails',
        DestinationConfig: { OnFailure: { Destination: arn('collector') } },
      }),
    );
    const id = await eventInvoke('always-fails', { order: 7 });
    const record = await waitFor(async () =>
      (await collected()).find((r) => r.requestContext.requestId === id),
    );
    expect(record.requestContext.condition).toBe('RetriesExhausted');
    expect(record.requestContext.approximateInvokeCount).toBe(3);
    expect(record.requestPayload).toEqual({ order: 7 });
    expect(record.responseContext.functionError).toBe('Unhandled');
    // The function saw the same request id on its last attempt as the 202 reported.
    expect(record.responsePayload.errorMessage).toBe(`failed ${id}`);
    await client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails' }));
  });

  it('puts failed events without a destination on the dead-letter list, and redrives them', async () => {
    const client = server.lambda();
    await deploy(client, 'fixable', {
      'index.js': 'exports.handler = async () => { throw new Error("not yet"); };',
    });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fixable', MaximumRetryAttempts: 0 }),
    );
    const id = await eventInvoke('fixable', { x: 1 });
    const dead = await waitFor(async () => {
      const list = await deadLetters('fixable');
      return list.length ? list : undefined;
    });
    expect(dead).toHaveLength(1);
    expect(dead[0].EventId).toBe(id);
    expect(dead[0].ApproximateInvokeCount).toBe(1);
    expect(dead[0].Record.requestContext.condition).toBe('RetriesExhausted');
    expect(dead[0].Record.responsePayload.errorMessage).toBe('not yet');

    await client.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'fixable',
        ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => "fixed";' }),
      }),
    );
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'fixable',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnSuccess: { Destination: arn('collector') } },
      }),
    );
    const redrive = await fetch(`${server.url}/islet/dead-letters/${id}/redrive`, { method: 'POST' });
    expect(redrive.status).toBe(202);
    const done = await waitFor(async () =>
      (await collected()).find((r) => r.requestContext.requestId === id),
    );
    expect(done.responsePayload).toBe('fixed');
    expect(await deadLetters('fixable')).toEqual([]);
    const again = await fetch(`${server.url}/islet/dead-letters/${id}/redrive`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(again.headers.get('x-amzn-ErrorType')).toBe('ResourceNotFoundException');
  });

  it('holds a throttled event until concurrency is available, without counting it as an attempt', async () => {
    const client = server.lambda();
    await deploy(client, 'paused', { 'index.js': 'exports.handler = async (e) => ({ got: e.v });' });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'paused',
        DestinationConfig: { OnSuccess: { Destination: arn('collector') } },
      }),
    );
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'paused', ReservedConcurrentExecutions: 0 }),
    );
    const id = await eventInvoke('paused', { v: 'later' });
    await new Promise((r) => setTimeout(r, 700));
    expect((await collected()).find((r) => r.requestContext.requestId === id)).toBeUndefined();
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'paused' }));
    // Throttled retries back off exponentially (from 100 ms here), and the success record then
    // competes with these reads for the collector's one slot: on a loaded machine that can take
    // over 10 s.
    const record = await waitFor(
      async () => (await collected()).find((r) => r.requestContext.requestId === id),
      20_000,
    );
    expect(record.responsePayload).toEqual({ got: 'later' });
    expect(record.requestContext.approximateInvokeCount).toBe(1);
  });
});

describe('durability of the queue', () => {
  it('runs every acknowledged event after kill -9 and restart', async () => {
    const client = server.lambda();
    await deploy(client, 'slow-fail', {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); throw new Error("done"); };',
    });
    await client.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'slow-fail', MaximumRetryAttempts: 0 }),
    );
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => eventInvoke('slow-fail', { i })));
    await server.kill9();
    server = await startServer({
      dataDir: server.dataDir,
      args: ['--executors', '1', '--async-retry-base-ms', '100'],
    });
    const dead = await waitFor(async () => {
      const list = await deadLetters('slow-fail');
      return list.length >= 10 ? list : undefined;
    }, 20_000);
    expect(dead.map((d) => d.EventId).sort()).toEqual([...ids].sort());
    for (const d of dead) expect(d.Record.responsePayload.errorMessage).toBe('done');
  });
});
