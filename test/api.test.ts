import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeAsyncCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionsCommand,
  PreconditionFailedException,
  PutFunctionConcurrencyCommand,
  RequestTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, testRole } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

let server: TestServer;
let client: LambdaClient;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'], env: { AWS_REGION: 'us-east-1' } });
  client = server.lambda();
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const sha256Base64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const lastModifiedPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const notFound = (name: string) => `Function not found: ${arnOf(name)}`;

/** Awaits a rejection and checks its SDK exception class, HTTP status and (optionally) message. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  cls: abstract new (...args: any[]) => T,
  status: number,
  message?: string | RegExp,
): Promise<T> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  const e = err as T & { $metadata: { httpStatusCode?: number } };
  expect(e.$metadata.httpStatusCode).toBe(status);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else if (message) expect(e.message).toMatch(message);
  return e;
}

/** The configuration without the fields that change on every write. */
function stable(c: FunctionConfiguration | undefined) {
  const { LastModified: _l, RevisionId: _r, ...rest } = c ?? {};
  return rest;
}

const payloadOf = (p: Uint8Array | undefined) =>
  p ? JSON.parse(Buffer.from(p).toString('utf8')) : undefined;

describe('CreateFunction', () => {
  it('answers 201 with the full FunctionConfiguration', async () => {
    const zip = await makeZip({ 'index.js': 'exports.handler = async () => "created";' });
    const before = Date.now();
    const out = await client.send(
      new CreateFunctionCommand({
        FunctionName: 'create-shape',
        Runtime: 'nodejs20.x',
        Role: testRole,
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        Description: 'a description',
        MemorySize: 256,
        Timeout: 7,
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(201);
    expect(out.FunctionName).toBe('create-shape');
    expect(out.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:create-shape');
    expect(out.Runtime).toBe('nodejs20.x');
    expect(out.Role).toBe(testRole);
    expect(out.Handler).toBe('index.handler');
    expect(out.CodeSha256).toBe(sha256Base64(zip));
    expect(out.CodeSize).toBe(zip.length);
    expect(out.Description).toBe('a description');
    expect(out.MemorySize).toBe(256);
    expect(out.Timeout).toBe(7);
    expect(out.Version).toBe('$LATEST');
    expect(out.State).toBe('Active');
    expect(out.LastUpdateStatus).toBe('Successful');
    expect(out.PackageType).toBe('Zip');
    expect(out.RevisionId).toMatch(uuidPattern);
    expect(out.LastModified).toMatch(lastModifiedPattern);
    const modified = Date.parse(out.LastModified!.replace('+0000', 'Z'));
    expect(modified).toBeGreaterThanOrEqual(before - 2000);
    expect(modified).toBeLessThanOrEqual(Date.now() + 2000);
  });

  it('applies the defaults: Timeout 3, MemorySize 128, empty Description and Environment', async () => {
    const out = await deploy(client, 'create-defaults', { 'index.js': 'exports.handler = async () => 1;' });
    expect(out.Timeout).toBe(3);
    expect(out.MemorySize).toBe(128);
    expect(out.Description).toBe('');
    expect(out.Environment?.Variables ?? {}).toEqual({});
  });
});

describe('GetFunction and GetFunctionConfiguration', () => {
  const files = { 'index.js': 'exports.handler = async (e) => ({ got: e });', 'lib/data.txt': 'data' };
  let zip: Buffer;
  let created: FunctionConfiguration;
  beforeAll(async () => {
    zip = await makeZip(files);
    created = await client.send(
      new CreateFunctionCommand({
        FunctionName: 'get-me',
        Runtime: 'nodejs22.x',
        Role: testRole,
        Handler: 'index.handler',
        Code: { ZipFile: zip },
      }),
    );
  });

  it('returns the configuration and a Code.Location serving the uploaded zip', async () => {
    const out = await client.send(new GetFunctionCommand({ FunctionName: 'get-me' }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const { $metadata: _m, ...expected } = created as FunctionConfiguration & { $metadata: unknown };
    expect(out.Configuration).toEqual(expected);
    expect(out.Concurrency).toBeUndefined();
    expect(out.Code?.RepositoryType).toBe('S3');
    const location = out.Code!.Location!;
    expect(location.startsWith(`${server.url}/`)).toBe(true);
    const res = await fetch(location);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await res.arrayBuffer()).equals(zip)).toBe(true);
  });

  it('refuses a Code.Location whose signature was tampered with (403)', async () => {
    const out = await client.send(new GetFunctionCommand({ FunctionName: 'get-me' }));
    const url = new URL(out.Code!.Location!);
    const signature = url.searchParams.get('signature')!;
    expect(signature).toMatch(/^[0-9a-f]+$/);
    const last = signature.at(-1) === '0' ? '1' : '0';
    url.searchParams.set('signature', signature.slice(0, -1) + last);
    const tampered = await fetch(url);
    expect(tampered.status).toBe(403);
    await tampered.arrayBuffer();
    url.searchParams.delete('signature');
    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(403);
    await unsigned.arrayBuffer();
    // Pushing the expiry forward breaks the signature too.
    const extended = new URL(out.Code!.Location!);
    extended.searchParams.set('expires', String(Number(extended.searchParams.get('expires')) + 3_600_000));
    const res = await fetch(extended);
    expect(res.status).toBe(403);
    await res.arrayBuffer();
  });

  it('GetFunctionConfiguration returns the same configuration', async () => {
    const out = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'get-me' }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    const { $metadata: _a, ...config } = out;
    const { $metadata: _b, ...expected } = created as FunctionConfiguration & { $metadata: unknown };
    expect(config).toEqual(expected);
  });

  it('accepts the function as a full ARN and as name:$LATEST', async () => {
    for (const ref of [arnOf('get-me'), 'get-me:$LATEST', `${arnOf('get-me')}:$LATEST`]) {
      const out = await client.send(new GetFunctionCommand({ FunctionName: ref }));
      expect(out.Configuration?.FunctionName).toBe('get-me');
      expect(out.Configuration?.RevisionId).toBe(created.RevisionId);
      const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: ref }));
      expect(cfg.FunctionArn).toBe(arnOf('get-me'));
      const r = await invoke(client, ref, { via: ref });
      expect(r.payload).toEqual({ got: { via: ref } });
    }
  });

  it('a qualifier naming a version that does not exist is ResourceNotFoundException', async () => {
    await rejection(
      client.send(new GetFunctionCommand({ FunctionName: 'get-me:7' })),
      ResourceNotFoundException,
      404,
      `${notFound('get-me')}:7`,
    );
  });
});

describe('ListFunctions', () => {
  const names = ['list-c', 'list-a', 'list-e', 'list-b', 'list-d'];
  beforeAll(async () => {
    for (const n of names) await deploy(client, n, { 'index.js': 'exports.handler = async () => 0;' });
  });

  it('pages with MaxItems and Marker, sorted by name, without NextMarker on the last page', async () => {
    const all = await client.send(new ListFunctionsCommand({}));
    expect(all.NextMarker).toBeUndefined();
    const allNames = all.Functions!.map((f) => f.FunctionName!);
    expect(allNames).toEqual([...allNames].sort());
    for (const n of names) expect(allNames).toContain(n);
    expect(allNames.filter((n) => n.startsWith('list-'))).toEqual([
      'list-a',
      'list-b',
      'list-c',
      'list-d',
      'list-e',
    ]);

    const paged: string[] = [];
    const sizes: number[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListFunctionsCommand({ MaxItems: 2, Marker: marker }));
      expect(page.$metadata.httpStatusCode).toBe(200);
      sizes.push(page.Functions!.length);
      paged.push(...page.Functions!.map((f) => f.FunctionName!));
      marker = page.NextMarker;
      if (++pages > 50) throw new Error('paging does not end');
    } while (marker);
    expect(paged).toEqual(allNames);
    expect(pages).toBe(Math.ceil(allNames.length / 2));
    expect(sizes.slice(0, -1).every((s) => s === 2)).toBe(true);
    expect(sizes.at(-1)).toBe(allNames.length - 2 * (pages - 1));
  });

  it('the listed configurations are full FunctionConfigurations', async () => {
    const page = await client.send(new ListFunctionsCommand({ Marker: 'list-b', MaxItems: 1 }));
    expect(page.Functions).toHaveLength(1);
    const f = page.Functions![0];
    expect(f.FunctionName).toBe('list-c');
    expect(f.FunctionArn).toBe(arnOf('list-c'));
    expect(f.Runtime).toBe('nodejs20.x');
    expect(f.Handler).toBe('index.handler');
    expect(f.LastModified).toMatch(lastModifiedPattern);
    expect(page.NextMarker).toBe('list-c');
  });
});

describe('UpdateFunctionCode', () => {
  it('stores the new code, reports its CodeSha256, and the next invoke runs it', async () => {
    const created = await deploy(client, 'code-swap', { 'index.js': 'exports.handler = async () => "v1";' });
    expect((await invoke(client, 'code-swap')).payload).toBe('v1');
    const zip2 = await makeZip({ 'index.js': 'exports.handler = async () => "v2";' });
    const out = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'code-swap', ZipFile: zip2 }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.CodeSha256).toBe(sha256Base64(zip2));
    expect(out.CodeSha256).not.toBe(created.CodeSha256);
    expect(out.CodeSize).toBe(zip2.length);
    expect(out.RevisionId).toMatch(uuidPattern);
    expect(out.RevisionId).not.toBe(created.RevisionId);
    expect(out.LastModified).toMatch(lastModifiedPattern);
    expect((await invoke(client, 'code-swap')).payload).toBe('v2');
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'code-swap' }));
    expect(got.Configuration?.CodeSha256).toBe(sha256Base64(zip2));
    const res = await fetch(got.Code!.Location!);
    expect(Buffer.from(await res.arrayBuffer()).equals(zip2)).toBe(true);
  });
});

describe('UpdateFunctionConfiguration', () => {
  const code = {
    'index.js': [
      'exports.handler = async () => "old handler";',
      'exports.other = async (event, context) => ({',
      '  x: process.env.GREETING, y: process.env.TARGET ?? null,',
      '  memory: context.memoryLimitInMB, memoryEnv: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,',
      '  remaining: context.getRemainingTimeInMillis(),',
      '});',
    ].join('\n'),
  };
  const newRole = 'arn:aws:iam::123456789012:role/another-role';

  it('changes Description, Handler, MemorySize, Timeout, Environment and Role, and the function sees them', async () => {
    const created = await deploy(client, 'conf', code);
    expect((await invoke(client, 'conf')).payload).toBe('old handler');
    const out = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'conf',
        Description: 'updated',
        Handler: 'index.other',
        MemorySize: 256,
        Timeout: 10,
        Environment: { Variables: { GREETING: 'hello', TARGET: 'world' } },
        Role: newRole,
      }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.RevisionId).not.toBe(created.RevisionId);
    const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'conf' }));
    expect(cfg.Description).toBe('updated');
    expect(cfg.Handler).toBe('index.other');
    expect(cfg.MemorySize).toBe(256);
    expect(cfg.Timeout).toBe(10);
    expect(cfg.Environment?.Variables).toEqual({ GREETING: 'hello', TARGET: 'world' });
    expect(cfg.Role).toBe(newRole);
    expect(cfg.RevisionId).toBe(out.RevisionId);
    expect(cfg.CodeSha256).toBe(created.CodeSha256);
    const r = await invoke(client, 'conf');
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({ x: 'hello', y: 'world', memory: '256', memoryEnv: '256' });
    // Timeout 10 s: more than the old 3 s budget is left at the start of the invocation.
    expect(r.payload.remaining).toBeGreaterThan(5000);
    expect(r.payload.remaining).toBeLessThanOrEqual(10_000);
    expect(r.log).toContain('\tMemory Size: 256 MB\t');
  });

  it('a partial update keeps every other setting', async () => {
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'conf', Description: 'again' }));
    const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'conf' }));
    expect(cfg.Description).toBe('again');
    expect(cfg.Handler).toBe('index.other');
    expect(cfg.MemorySize).toBe(256);
    expect(cfg.Environment?.Variables).toEqual({ GREETING: 'hello', TARGET: 'world' });
    expect(cfg.Role).toBe(newRole);
  });

  it('a stale RevisionId is PreconditionFailedException (412) and changes nothing', async () => {
    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'conf' }));
    const stale = '00000000-0000-4000-8000-000000000000';
    const message =
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';
    await rejection(
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'conf',
          Description: 'lost',
          RevisionId: stale,
        }),
      ),
      PreconditionFailedException,
      412,
      message,
    );
    const zip = await makeZip({ 'index.js': 'exports.other = async () => "lost";' });
    await rejection(
      client.send(new UpdateFunctionCodeCommand({ FunctionName: 'conf', ZipFile: zip, RevisionId: stale })),
      PreconditionFailedException,
      412,
      message,
    );
    const after = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'conf' }));
    expect(after.RevisionId).toBe(before.RevisionId);
    expect(after.Description).toBe('again');
    expect(after.CodeSha256).toBe(before.CodeSha256);
    // The current RevisionId is accepted.
    const ok = await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'conf',
        Description: 'with revision',
        RevisionId: before.RevisionId,
      }),
    );
    expect(ok.Description).toBe('with revision');
    // ...and is stale right after.
    await rejection(
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'conf',
          Description: 'x',
          RevisionId: before.RevisionId,
        }),
      ),
      PreconditionFailedException,
      412,
    );
  });
});

describe('DeleteFunction', () => {
  it('removes the function: GetFunction and Invoke are then ResourceNotFoundException (404)', async () => {
    await deploy(client, 'doomed', { 'index.js': 'exports.handler = async () => 1;' });
    const out = await client.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    expect([200, 204]).toContain(out.$metadata.httpStatusCode);
    await rejection(
      client.send(new GetFunctionCommand({ FunctionName: 'doomed' })),
      ResourceNotFoundException,
      404,
      notFound('doomed'),
    );
    await rejection(
      client.send(new InvokeCommand({ FunctionName: 'doomed' })),
      ResourceNotFoundException,
      404,
      notFound('doomed'),
    );
    await rejection(
      client.send(new DeleteFunctionCommand({ FunctionName: 'doomed' })),
      ResourceNotFoundException,
      404,
    );
    const list = await client.send(new ListFunctionsCommand({}));
    expect(list.Functions!.map((f) => f.FunctionName)).not.toContain('doomed');
  });

  it('a deleted name can be created again', async () => {
    await deploy(client, 'doomed', { 'index.js': 'exports.handler = async () => "reborn";' });
    expect((await invoke(client, 'doomed')).payload).toBe('reborn');
  });
});

describe('Invoke', () => {
  beforeAll(async () => {
    await deploy(client, 'echo', {
      'index.js':
        'exports.handler = async (e, ctx) => { console.log("hello from", ctx.functionName); return { e }; };',
    });
    await deploy(client, 'counter', {
      'index.js':
        'let count = 0;\nexports.handler = async (e) => { if (e.op === "bump") count++; return { count }; };',
    });
    // One environment only, so module state seen by a read is the state the async run changed.
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'counter', ReservedConcurrentExecutions: 1 }),
    );
  });

  /** Reads the counter until it reaches `atLeast` (or 3 s pass); throttles while an async run holds the slot are retried. */
  async function counterReaches(atLeast: number): Promise<number> {
    const deadline = Date.now() + 3000;
    let count = -1;
    while (Date.now() < deadline) {
      try {
        count = (await invoke(client, 'counter', { op: 'read' })).payload.count;
        if (count >= atLeast) return count;
      } catch (e) {
        if (!(e instanceof TooManyRequestsException)) throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return count;
  }

  it('RequestResponse returns 200, the payload and the executed version, and no log unless asked', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ a: [1, 'two'] })) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.LogResult).toBeUndefined();
    expect(payloadOf(out.Payload)).toEqual({ e: { a: [1, 'two'] } });
  });

  it('an empty payload arrives as {}', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo' }));
    expect(payloadOf(out.Payload)).toEqual({ e: {} });
  });

  it('LogType Tail returns the log with START, the console line, END and REPORT', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}'), LogType: 'Tail' }),
    );
    const id = out.$metadata.requestId!;
    expect(id).toMatch(uuidPattern);
    const log = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    const lines = log.split('\n');
    const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
    const info = lines.findIndex((l) =>
      new RegExp(
        `^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${id}\\tINFO\\thello from echo$`,
      ).test(l),
    );
    const end = lines.indexOf(`END RequestId: ${id}`);
    const report = lines.findIndex((l) =>
      new RegExp(
        `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`,
      ).test(l),
    );
    expect(start).toBeGreaterThanOrEqual(0);
    expect(info).toBeGreaterThan(start);
    expect(end).toBeGreaterThan(info);
    expect(report).toBeGreaterThan(end);
  });

  it('InvocationType Event answers 202 and the function really runs', async () => {
    expect(await counterReaches(0)).toBe(0);
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'counter',
        InvocationType: 'Event',
        Payload: Buffer.from('{"op":"bump"}'),
      }),
    );
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    expect(await counterReaches(1)).toBe(1);
  });

  it('DryRun answers 204 and does not run the function', async () => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: 'counter',
        InvocationType: 'DryRun',
        Payload: Buffer.from('{"op":"bump"}'),
      }),
    );
    expect(out.StatusCode).toBe(204);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counterReaches(1)).toBe(1);
  });

  it('the 2014 InvokeAsync answers Status 202 and runs the function', async () => {
    const out = await client.send(
      new InvokeAsyncCommand({ FunctionName: 'counter', InvokeArgs: '{"op":"bump"}' }),
    );
    expect(out.Status).toBe(202);
    expect(out.$metadata.httpStatusCode).toBe(202);
    expect(await counterReaches(2)).toBe(2);
  });

  it('a payload that is not JSON is InvalidRequestContentException (400)', async () => {
    await rejection(
      client.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{not json') })),
      InvalidRequestContentException,
      400,
      /^Could not parse request body into json/,
    );
  });

  it('a synchronous payload over 6 MB is RequestTooLargeException (413)', async () => {
    const big = Buffer.from(JSON.stringify('a'.repeat(6 * 1024 * 1024)));
    await rejection(
      client.send(new InvokeCommand({ FunctionName: 'echo', Payload: big })),
      RequestTooLargeException,
      413,
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  });

  it('an unknown function is ResourceNotFoundException (404)', async () => {
    await rejection(
      client.send(new InvokeCommand({ FunctionName: 'no-such-function' })),
      ResourceNotFoundException,
      404,
      notFound('no-such-function'),
    );
  });
});

describe('function concurrency', () => {
  beforeAll(async () => {
    await deploy(client, 'conc', { 'index.js': 'exports.handler = async () => "ran";' });
  });

  it('Put, Get and Delete reserved concurrency', async () => {
    const none = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect(none.ReservedConcurrentExecutions).toBeUndefined();
    const put = await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: 5 }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect(put.ReservedConcurrentExecutions).toBe(5);
    const got = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect(got.ReservedConcurrentExecutions).toBe(5);
    const fn = await client.send(new GetFunctionCommand({ FunctionName: 'conc' }));
    expect(fn.Concurrency?.ReservedConcurrentExecutions).toBe(5);
    const del = await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    const after = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect(after.ReservedConcurrentExecutions).toBeUndefined();
    const fn2 = await client.send(new GetFunctionCommand({ FunctionName: 'conc' }));
    expect(fn2.Concurrency).toBeUndefined();
  });

  it('reserving more than the account allows is InvalidParameterValueException (400)', async () => {
    await rejection(
      client.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: 1000 }),
      ),
      InvalidParameterValueException,
      400,
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
    await rejection(
      client.send(
        new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: -1 }),
      ),
      InvalidParameterValueException,
      400,
    );
    const got = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect(got.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('reserved concurrency 0 throttles every invoke with TooManyRequestsException (429)', async () => {
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'conc', ReservedConcurrentExecutions: 0 }),
    );
    const err = await rejection(
      client.send(new InvokeCommand({ FunctionName: 'conc' })),
      TooManyRequestsException,
      429,
      'Rate Exceeded.',
    );
    expect(err.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'conc' }));
    expect((await invoke(client, 'conc')).payload).toBe('ran');
  });
});

describe('errors surface as the SDK exception classes', () => {
  it('a duplicate CreateFunction is ResourceConflictException (409)', async () => {
    await deploy(client, 'dupe', { 'index.js': 'exports.handler = async () => 1;' });
    await rejection(
      deploy(client, 'dupe', { 'index.js': 'exports.handler = async () => 2;' }),
      ResourceConflictException,
      409,
      'Function already exist: dupe',
    );
  });

  it('a bad parameter is InvalidParameterValueException (400)', async () => {
    await rejection(
      deploy(client, 'bad-memory', { 'index.js': '' }, { MemorySize: 64 }),
      InvalidParameterValueException,
      400,
      "'64' at 'memorySize' failed to satisfy constraint: Member must be an integer between 128 and 10240",
    );
  });

  it('operations on an unknown function are ResourceNotFoundException (404)', async () => {
    await rejection(
      client.send(new GetFunctionConfigurationCommand({ FunctionName: 'ghost' })),
      ResourceNotFoundException,
      404,
      notFound('ghost'),
    );
    await rejection(
      client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ghost', Description: 'x' })),
      ResourceNotFoundException,
      404,
      notFound('ghost'),
    );
  });
});

describe('stable configuration', () => {
  it('reads are consistent between GetFunction, GetFunctionConfiguration and ListFunctions', async () => {
    const fn = await client.send(new GetFunctionCommand({ FunctionName: 'conf' }));
    const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'conf' }));
    const list = await client.send(new ListFunctionsCommand({ Marker: 'conc', MaxItems: 1 }));
    expect(list.Functions![0].FunctionName).toBe('conf');
    expect(stable(fn.Configuration)).toEqual(stable(list.Functions![0]));
    expect(fn.Configuration?.RevisionId).toBe(cfg.RevisionId);
    expect(list.Functions![0].RevisionId).toBe(cfg.RevisionId);
  });
});
