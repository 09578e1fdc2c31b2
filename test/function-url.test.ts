import {
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  type LambdaClient,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

const binary = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f]);

/** Routes on the request path: fixed responses for some paths, the event itself for the rest. */
const webHandler = `
exports.handler = async (event) => {
  switch (event.rawPath) {
    case '/respond':
      return { statusCode: 201, headers: { 'x-a': 'b' }, body: 'hi', cookies: ['c=1'] };
    case '/b64':
      return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: '${binary.toString('base64')}', isBase64Encoded: true };
    case '/plain':
      return { hello: 'world', n: [1, 2] };
    case '/throw':
      throw new Error('boom');
    default:
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
  }
};`;

let server: TestServer;
let client: LambdaClient;
const arnOf = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'], env: { AWS_REGION: 'us-east-1' } });
  client = server.lambda();
  await deploy(client, 'web', { 'index.js': webHandler });
  await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

/** Awaits a rejection and checks its SDK exception class and HTTP status. */
async function rejection<T extends Error>(
  promise: Promise<unknown>,
  cls: abstract new (...args: any[]) => T,
  status: number,
): Promise<T> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  expect((err as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(status);
  return err as T;
}

/** The event the handler received, as echoed back by the default route. */
async function echo(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${server.url}/fn/web${path}`, init);
  expect(res.status).toBe(200);
  return res.json();
}

describe('function URL config', () => {
  it('Create/Get/Update/Delete, and Delete makes the URL answer 404', async () => {
    await deploy(client, 'crud', { 'index.js': 'exports.handler = async () => ({ ok: true });' });
    const before = await fetch(`${server.url}/fn/crud/`);
    expect(before.status).toBe(404);
    await before.arrayBuffer();

    const created = await client.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'crud', AuthType: 'NONE' }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.FunctionUrl).toBe(`${server.url}/fn/crud/`);
    expect(created.FunctionArn).toBe(arnOf('crud'));
    expect(created.AuthType).toBe('NONE');
    expect(created.InvokeMode).toBe('BUFFERED');
    expect(created.CreationTime).toMatch(isoPattern);

    const got = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'crud' }));
    expect(got.FunctionUrl).toBe(created.FunctionUrl);
    expect(got.AuthType).toBe('NONE');
    expect(got.CreationTime).toBe(created.CreationTime);
    expect(got.LastModifiedTime).toMatch(isoPattern);

    const live = await fetch(created.FunctionUrl!);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });

    const updated = await client.send(
      new UpdateFunctionUrlConfigCommand({
        FunctionName: 'crud',
        AuthType: 'AWS_IAM',
        Cors: { AllowOrigins: ['https://example.com'] },
      }),
    );
    expect(updated.$metadata.httpStatusCode).toBe(200);
    expect(updated.AuthType).toBe('AWS_IAM');
    expect(updated.FunctionUrl).toBe(created.FunctionUrl);
    expect(updated.CreationTime).toBe(created.CreationTime);
    const got2 = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'crud' }));
    expect(got2.AuthType).toBe('AWS_IAM');
    expect(got2.Cors?.AllowOrigins).toEqual(['https://example.com']);

    const deleted = await client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'crud' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    const gone = await fetch(`${server.url}/fn/crud/`);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    const goneDeep = await fetch(`${server.url}/fn/crud/some/path`);
    expect(goneDeep.status).toBe(404);
    await goneDeep.arrayBuffer();
    await rejection(
      client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'crud' })),
      ResourceNotFoundException,
      404,
    );
  });

  it('creating a second URL config is ResourceConflictException (409)', async () => {
    const before = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    await rejection(
      client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'AWS_IAM' })),
      ResourceConflictException,
      409,
    );
    const after = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    expect(after.AuthType).toBe('NONE');
    expect(after.LastModifiedTime).toBe(before.LastModifiedTime);
  });

  it('a URL for a function that does not exist is 404', async () => {
    const res = await fetch(`${server.url}/fn/nobody/`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe('the payload 2.0 event', () => {
  it('GET with path, repeated query parameters and cookies', async () => {
    const e = await echo('/a/b?x=1&x=2&y=3', {
      headers: { cookie: 'session=abc; theme=dark', 'X-Custom-Header': 'Yes' },
    });
    expect(e.version).toBe('2.0');
    expect(e.routeKey).toBe('$default');
    expect(e.rawPath).toBe('/a/b');
    expect(e.rawQueryString).toBe('x=1&x=2&y=3');
    expect(e.queryStringParameters).toEqual({ x: '1,2', y: '3' });
    expect(e.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(e.headers['x-custom-header']).toBe('Yes');
    expect(e.headers.cookie).toBeUndefined();
    for (const k of Object.keys(e.headers)) expect(k).toBe(k.toLowerCase());
    expect(e.requestContext.http.method).toBe('GET');
    expect(e.requestContext.http.path).toBe('/a/b');
    expect(e.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(e.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof e.requestContext.timeEpoch).toBe('number');
    expect(Math.abs(e.requestContext.timeEpoch - Date.now())).toBeLessThan(60_000);
    expect(e.body).toBeUndefined();
    expect(e.isBase64Encoded).toBe(false);
  });

  it('the URL root has rawPath / and no query parameters', async () => {
    const e = await echo('/');
    expect(e.rawPath).toBe('/');
    expect(e.rawQueryString).toBe('');
    expect(e.queryStringParameters).toBeUndefined();
    expect(e.cookies).toBeUndefined();
  });

  it('POST with a JSON body passes it as text', async () => {
    const text = JSON.stringify({ hello: 'wörld', list: [1, 2, 3] });
    const e = await echo('/submit', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    expect(e.requestContext.http.method).toBe('POST');
    expect(e.rawPath).toBe('/submit');
    expect(e.body).toBe(text);
    expect(e.isBase64Encoded).toBe(false);
  });

  it('POST with application/octet-stream passes the bytes as base64', async () => {
    const e = await echo('/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: binary,
    });
    expect(e.isBase64Encoded).toBe(true);
    expect(e.body).toBe(binary.toString('base64'));
    expect(Buffer.from(e.body, 'base64').equals(binary)).toBe(true);
  });
});

describe('response mapping', () => {
  it('statusCode, headers, body and cookies', async () => {
    const res = await fetch(`${server.url}/fn/web/respond`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-a')).toBe('b');
    expect(res.headers.getSetCookie()).toEqual(['c=1']);
    expect(await res.text()).toBe('hi');
  });

  it('isBase64Encoded bodies are decoded', async () => {
    const res = await fetch(`${server.url}/fn/web/b64`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(binary)).toBe(true);
  });

  it('a plain object result is 200 application/json with the JSON', async () => {
    const res = await fetch(`${server.url}/fn/web/plain`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ hello: 'world', n: [1, 2] });
  });

  it('a thrown error is 502', async () => {
    const res = await fetch(`${server.url}/fn/web/throw`);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain('boom');
  });
});

describe('AWS_IAM auth', () => {
  it('a request without Authorization is 403 and the function does not run', async () => {
    await deploy(client, 'private', { 'index.js': 'exports.handler = async () => ({ secret: 42 });' });
    await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }));
    const res = await fetch(`${server.url}/fn/private/`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('42');
  });
});
