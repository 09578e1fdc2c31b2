import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  InvalidParameterValueException,
  InvokeAsyncCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionsCommand,
  PutFunctionConcurrencyCommand,
  RequestTooLargeException,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke, testRole } from './helpers/functions';
import { rawZip } from './helpers/raw-zip';
import { startServer, type TestServer } from './helpers/server';

const keepCode = 'exports.handler = async (e) => ({ kept: true, e });';
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

let server: TestServer;
let client: LambdaClient;
/** The one function that exists; every bad request must leave it exactly as it was. */
let keep: FunctionConfiguration;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'], env: { AWS_REGION: 'us-east-1' } });
  client = server.lambda();
  // Made with the raw writer: proves the writer's zips are good, so rejections below are about the entries.
  keep = await client.send(
    new CreateFunctionCommand({
      FunctionName: 'keep',
      Runtime: 'nodejs20.x',
      Role: testRole,
      Handler: 'index.handler',
      Code: { ZipFile: rawZip([{ name: 'index.js', data: keepCode }]) },
      Description: 'original',
      Environment: { Variables: { KEEP: 'yes' } },
    }),
  );
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

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

/** Nothing was created and `keep` is exactly as it was (same revision, code and settings). */
async function nothingChanged(): Promise<void> {
  const list = await client.send(new ListFunctionsCommand({}));
  expect(list.Functions!.map((f) => f.FunctionName)).toEqual(['keep']);
  const got = await client.send(new GetFunctionCommand({ FunctionName: 'keep' }));
  expect(got.Configuration).toEqual(stripMetadata(keep));
}

function stripMetadata(c: FunctionConfiguration): FunctionConfiguration {
  const { $metadata: _m, ...rest } = c as FunctionConfiguration & { $metadata?: unknown };
  return rest;
}

function goodInput(overrides: Partial<CreateFunctionCommandInput> = {}): CreateFunctionCommandInput {
  return {
    FunctionName: 'fresh',
    Runtime: 'nodejs20.x',
    Role: testRole,
    Handler: 'index.handler',
    Code: { ZipFile: rawZip([{ name: 'index.js', data: 'exports.handler = async () => 1;' }]) },
    ...overrides,
  };
}

/** CreateFunction with `input` must fail with InvalidParameterValueException and `message`, creating nothing. */
async function createRefused(input: CreateFunctionCommandInput, message: string | RegExp): Promise<void> {
  await rejection(
    client.send(new CreateFunctionCommand(input)),
    InvalidParameterValueException,
    400,
    message,
  );
  await nothingChanged();
}

/** UpdateFunctionConfiguration of `keep` with `changes` must fail the same way and change nothing. */
async function updateRefused(
  changes: Omit<ConstructorParameters<typeof UpdateFunctionConfigurationCommand>[0], 'FunctionName'>,
  message: string | RegExp,
): Promise<void> {
  await rejection(
    client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'keep', ...changes })),
    InvalidParameterValueException,
    400,
    message,
  );
  await nothingChanged();
}

/** The code store's entries (zips and unpacked trees). */
const codeStoreEntries = () => readdirSync(join(server.dataDir, 'code')).sort();

describe('paged lists', () => {
  it('a MaxItems that is not a whole number in range, on every paged list', async () => {
    const lists = [
      ['/2015-03-31/functions/', 10_000],
      ['/2015-03-31/event-source-mappings/', 10_000],
      ['/islet/dead-letters', 1000],
    ] as const;
    for (const [path, max] of lists) {
      for (const bad of ['0', String(max + 1), '1.5', 'abc', ' 5', '-1']) {
        const res = await fetch(`${server.url}${path}?MaxItems=${encodeURIComponent(bad)}`);
        expect(res.status, `${path} MaxItems=${bad}`).toBe(400);
        expect(res.headers.get('x-amzn-errortype')).toMatch(/^InvalidParameterValueException/);
        expect(((await res.json()) as { message: string }).message).toBe(
          `MaxItems must be an integer between 1 and ${max}`,
        );
      }
      expect((await fetch(`${server.url}${path}?MaxItems=${max}`)).status).toBe(200);
    }
  });
});

describe('CreateFunction refuses bad parameters and creates nothing', () => {
  it('names that are not [a-zA-Z0-9-_]{1,64}', async () => {
    const pattern = (v: string) =>
      `1 validation error detected: Value '${v}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}`;
    await createRefused(goodInput({ FunctionName: 'bad name' }), pattern('bad name'));
    await createRefused(goodInput({ FunctionName: 'a'.repeat(65) }), pattern('a'.repeat(65)));
    await createRefused(goodInput({ FunctionName: 'a/b' }), pattern('a/b'));
    await createRefused(goodInput({ FunctionName: '' }), 'FunctionName is required');
    // 64 characters is the limit, not over it.
    const longest = 'b'.repeat(64);
    await client.send(new CreateFunctionCommand(goodInput({ FunctionName: longest })));
    await client.send(new DeleteFunctionCommand({ FunctionName: longest }));
    await nothingChanged();
  });

  it('MemorySize outside 128..10240 and Timeout outside 1..900', async () => {
    const range = (v: number, field: string, min: number, max: number) =>
      `'${v}' at '${field}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`;
    await createRefused(goodInput({ MemorySize: 127 }), range(127, 'memorySize', 128, 10240));
    await createRefused(goodInput({ MemorySize: 10241 }), range(10241, 'memorySize', 128, 10240));
    await createRefused(goodInput({ Timeout: 0 }), range(0, 'timeout', 1, 900));
    await createRefused(goodInput({ Timeout: 901 }), range(901, 'timeout', 1, 900));
  });

  it('a missing or malformed Role', async () => {
    await createRefused(goodInput({ Role: undefined }), 'Role is required');
    await createRefused(
      goodInput({ Role: 'not-a-role' }),
      "The role defined for the function cannot be assumed by Lambda: 'not-a-role' is not a valid role ARN.",
    );
    await createRefused(
      goodInput({ Role: 'arn:aws:iam::12345:role/short-account' }),
      /^The role defined for the function cannot be assumed by Lambda: /,
    );
  });

  it('a missing Handler or Runtime, and a runtime that is not Node.js', async () => {
    const mandatory =
      'Runtime and Handler are mandatory parameters for functions created with deployment packages.';
    await createRefused(goodInput({ Handler: undefined }), mandatory);
    await createRefused(goodInput({ Runtime: undefined }), mandatory);
    await createRefused(
      goodInput({ Runtime: 'python3.12' }),
      /^Value python3\.12 at 'runtime' failed to satisfy constraint: /,
    );
  });

  it('missing Code, and a ZipFile that is not a zip', async () => {
    await createRefused(goodInput({ Code: undefined }), 'Code is required');
    await createRefused(goodInput({ Code: {} }), 'Code.ZipFile is required');
    await createRefused(
      goodInput({ Code: { ZipFile: Buffer.from('this is not a zip file at all') } }),
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
  });

  it('a zip-slip entry (../evil.js) writes nothing outside (or inside) the code store', async () => {
    const storeBefore = codeStoreEntries();
    await createRefused(
      goodInput({
        Code: {
          ZipFile: rawZip([
            { name: 'index.js', data: 'exports.handler = async () => 1;' },
            { name: '../evil.js', data: 'pwned' },
          ]),
        },
      }),
      "Code: zip entry '../evil.js' escapes the package root",
    );
    expect(codeStoreEntries()).toEqual(storeBefore);
    expect(readdirSync(server.dataDir)).not.toContain('evil.js');
  });

  it('duplicate entries and symbolic links', async () => {
    const storeBefore = codeStoreEntries();
    await createRefused(
      goodInput({
        Code: {
          ZipFile: rawZip([
            { name: 'index.js', data: 'exports.handler = async () => 1;' },
            { name: 'index.js', data: 'exports.handler = async () => 2;' },
          ]),
        },
      }),
      "Code: duplicate zip entry 'index.js'",
    );
    await createRefused(
      goodInput({
        Code: {
          ZipFile: rawZip([
            { name: 'index.js', data: 'exports.handler = async () => 1;' },
            { name: 'link.js', data: '/etc/passwd', mode: 0o120777 },
          ]),
        },
      }),
      "Code: zip entry 'link.js' is a symbolic link, which is not supported",
    );
    expect(codeStoreEntries()).toEqual(storeBefore);
  });

  it('a reserved environment variable, and variables over 4 KB', async () => {
    await createRefused(
      goodInput({ Environment: { Variables: { AWS_REGION: 'eu-west-1' } } }),
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION',
    );
    await createRefused(
      goodInput({ Environment: { Variables: { BIG: 'x'.repeat(4096) } } }),
      'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: 4099 bytes',
    );
  });

  it('a description over 256 characters', async () => {
    await createRefused(
      goodInput({ Description: 'd'.repeat(257) }),
      "'Description' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
  });

  it('a duplicate create is ResourceConflictException (409) and leaves the original untouched', async () => {
    await rejection(
      client.send(
        new CreateFunctionCommand(
          goodInput({
            FunctionName: 'keep',
            Description: 'impostor',
            Handler: 'other.handler',
            Code: {
              ZipFile: rawZip([{ name: 'other.js', data: 'exports.handler = async () => "impostor";' }]),
            },
          }),
        ),
      ),
      ResourceConflictException,
      409,
      'Function already exist: keep',
    );
    await nothingChanged();
    const r = await invoke(client, 'keep', { n: 1 });
    expect(r.payload).toEqual({ kept: true, e: { n: 1 } });
  });
});

describe('updates refuse bad parameters and change nothing', () => {
  it('UpdateFunctionConfiguration', async () => {
    await updateRefused(
      { MemorySize: 10241 },
      "'10241' at 'memorySize' failed to satisfy constraint: Member must be an integer between 128 and 10240",
    );
    await updateRefused(
      { Timeout: 901, Description: 'half-applied?' },
      "'901' at 'timeout' failed to satisfy constraint: Member must be an integer between 1 and 900",
    );
    await updateRefused(
      { Role: 'not-a-role' },
      /^The role defined for the function cannot be assumed by Lambda: /,
    );
    await updateRefused(
      { Runtime: 'python3.12' },
      /^Value python3\.12 at 'runtime' failed to satisfy constraint: /,
    );
    await updateRefused(
      { Environment: { Variables: { AWS_REGION: 'x' } } },
      /Reserved keys used in this request: AWS_REGION$/,
    );
    await updateRefused(
      { Environment: { Variables: { BIG: 'x'.repeat(4096) } } },
      /exceeded the 4KB limit\. String measured: 4099 bytes$/,
    );
    await updateRefused(
      { Description: 'd'.repeat(257) },
      "'Description' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
  });

  it('UpdateFunctionCode with a bad zip keeps the old code running', async () => {
    const storeBefore = codeStoreEntries();
    for (const [zip, message] of [
      [
        Buffer.from('not a zip'),
        'Could not unzip uploaded file. Please check your file, then try to upload again.',
      ],
      [
        rawZip([
          { name: 'index.js', data: 'exports.handler = async () => "replaced";' },
          { name: '../evil.js', data: 'pwned' },
        ]),
        "Code: zip entry '../evil.js' escapes the package root",
      ],
    ] as const) {
      await rejection(
        client.send(new UpdateFunctionCodeCommand({ FunctionName: 'keep', ZipFile: zip })),
        InvalidParameterValueException,
        400,
        message,
      );
    }
    await nothingChanged();
    expect(codeStoreEntries()).toEqual(storeBefore);
    expect((await invoke(client, 'keep')).payload).toEqual({ kept: true, e: {} });
  });
});

describe('an unknown function is ResourceNotFoundException (404) for every operation', () => {
  const ghost = 'ghost';
  const message = `Function not found: ${arnOf(ghost)}`;
  const zip = rawZip([{ name: 'index.js', data: 'exports.handler = async () => 1;' }]);
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['GetFunction', () => client.send(new GetFunctionCommand({ FunctionName: ghost }))],
    [
      'GetFunctionConfiguration',
      () => client.send(new GetFunctionConfigurationCommand({ FunctionName: ghost })),
    ],
    [
      'UpdateFunctionCode',
      () => client.send(new UpdateFunctionCodeCommand({ FunctionName: ghost, ZipFile: zip })),
    ],
    [
      'UpdateFunctionConfiguration',
      () => client.send(new UpdateFunctionConfigurationCommand({ FunctionName: ghost, Description: 'x' })),
    ],
    ['DeleteFunction', () => client.send(new DeleteFunctionCommand({ FunctionName: ghost }))],
    ['Invoke', () => client.send(new InvokeCommand({ FunctionName: ghost }))],
    ['Invoke Event', () => client.send(new InvokeCommand({ FunctionName: ghost, InvocationType: 'Event' }))],
    [
      'Invoke DryRun',
      () => client.send(new InvokeCommand({ FunctionName: ghost, InvocationType: 'DryRun' })),
    ],
    ['InvokeAsync', () => client.send(new InvokeAsyncCommand({ FunctionName: ghost, InvokeArgs: '{}' }))],
    [
      'PutFunctionConcurrency',
      () =>
        client.send(
          new PutFunctionConcurrencyCommand({ FunctionName: ghost, ReservedConcurrentExecutions: 1 }),
        ),
    ],
    ['GetFunctionConcurrency', () => client.send(new GetFunctionConcurrencyCommand({ FunctionName: ghost }))],
    [
      'DeleteFunctionConcurrency',
      () => client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: ghost })),
    ],
    [
      'CreateFunctionUrlConfig',
      () => client.send(new CreateFunctionUrlConfigCommand({ FunctionName: ghost, AuthType: 'NONE' })),
    ],
    ['GetFunctionUrlConfig', () => client.send(new GetFunctionUrlConfigCommand({ FunctionName: ghost }))],
    [
      'UpdateFunctionUrlConfig',
      () => client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: ghost, AuthType: 'NONE' })),
    ],
    [
      'DeleteFunctionUrlConfig',
      () => client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: ghost })),
    ],
  ];
  for (const [name, call] of operations) {
    it(name, async () => {
      await rejection(call(), ResourceNotFoundException, 404, message);
    });
  }
  it('...and none of them created anything', async () => {
    await nothingChanged();
  });
});

/** Sends raw bytes on a fresh connection; resolves with the socket and everything it receives. */
function rawConnection(): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(server.port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d) => {
      data += d.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
  });
}

describe('malformed requests', () => {
  it("a presigned credential with a stray '%' is routed like any unsigned request, not a 500", async () => {
    for (const q of ['%25zz%E0', 'a%2Fb%2F%E0%A4']) {
      const res = await fetch(`${server.url}/2015-03-31/functions/?X-Amz-Credential=${q}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { Functions: unknown[] }).Functions).toBeInstanceOf(Array);
    }
  });

  it('a CreateFunction body that is not JSON is InvalidRequestContentException', async () => {
    const res = await fetch(`${server.url}/2015-03-31/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"FunctionName": "fresh", oops',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidRequestContentException');
    expect(await res.json()).toEqual({
      Type: 'User',
      message: 'Could not parse request body into json: the body is not valid JSON',
    });
    await nothingChanged();
  });

  it('an Event payload over 1 MB is RequestTooLargeException (413)', async () => {
    const payload = Buffer.from(JSON.stringify('a'.repeat(1024 * 1024)));
    await rejection(
      client.send(new InvokeCommand({ FunctionName: 'keep', InvocationType: 'Event', Payload: payload })),
      RequestTooLargeException,
      413,
      `${payload.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
    );
  });

  it('a request header block over 16 KB gets 431 from Node and the server stays up', async () => {
    const conn = await rawConnection();
    conn.socket.write(
      `GET /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    await conn.closed;
    expect(conn.received()).toMatch(/^HTTP\/1\.1 431 /);
    const list = await client.send(new ListFunctionsCommand({}));
    expect(list.Functions!.map((f) => f.FunctionName)).toEqual(['keep']);
  });

  it('a body that never finishes does not block other requests', async () => {
    const conn = await rawConnection();
    conn.socket.write(
      'POST /2015-03-31/functions/keep/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slow": 1',
    );
    try {
      await new Promise((r) => setTimeout(r, 100));
      const r = await invoke(client, 'keep', { fast: true });
      expect(r.payload).toEqual({ kept: true, e: { fast: true } });
      const list = await client.send(new ListFunctionsCommand({}));
      expect(list.Functions).toHaveLength(1);
      // The slow request is still waiting for its body: no answer yet.
      expect(conn.received()).toBe('');
    } finally {
      conn.socket.destroy();
    }
  });

  it('an unknown route is 400 with x-amzn-ErrorType', async () => {
    const res = await fetch(`${server.url}/no/such/route`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toEqual({ Type: 'User', message: 'Unknown operation: GET /no/such/route' });
    const patch = await fetch(`${server.url}/2015-03-31/functions/keep`, { method: 'PATCH' });
    expect(patch.status).toBe(400);
    expect(patch.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    await patch.arrayBuffer();
  });
});

describe('after all of that', () => {
  it('the server still serves a valid invoke and nothing changed', async () => {
    expect(server.process.exitCode).toBeNull();
    await nothingChanged();
    const r = await invoke(client, 'keep', { last: true });
    expect(r.status).toBe(200);
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ kept: true, e: { last: true } });
    expect(r.log).toMatch(/^START RequestId: [0-9a-f-]+ Version: \$LATEST\n/);
  });
});
