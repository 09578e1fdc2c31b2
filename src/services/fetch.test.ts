import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../logger';
import { EgressPolicy, parseEgressList } from './egress';
import { type FetchOutput, fetchService } from './fetch';
import { type CallContext, ServiceCallFailure } from './host';

let server: Server;
let port: number;
const seen: Array<{ url: string; host: string | undefined; headers: IncomingMessage['headers'] }> = [];
const closed: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host, headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hello') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else if (url.pathname === '/to') {
      res
        .writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('url')! })
        .end();
    } else if (url.pathname === '/big') {
      res.writeHead(200).end(Buffer.alloc(Number(url.searchParams.get('n'))));
    } else if (url.pathname === '/gzip-bomb') {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(5 * 1024 * 1024)));
    } else if (url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            method: req.method,
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        ),
      );
    } else if (url.pathname === '/hang') {
      req.on('close', () => closed.push(req.url ?? ''));
    } else {
      res.writeHead(404, 'Not Here').end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const warnings: Array<Record<string, unknown>> = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_event, fields) => warnings.push(fields ?? {}),
  error: () => undefined,
};

// Test names: api.test is allowed by name and maps to the local server; rebind.test maps there too
// but is not allowed, like a public name an attacker points at a private address.
const resolver = async (host: string) => {
  if (host === 'api.test' || host === 'rebind.test') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};

const service = fetchService(
  {
    policy: new EgressPolicy(parseEgressList('api.test', 'fetchAllow')),
    timeoutMs: 2000,
    maxResponseBytes: 1024 * 1024,
    maxRequestBytes: 1000,
    resolve: resolver,
  },
  logger,
);

const authorized: string[] = [];
function context(signal = new AbortController().signal): CallContext {
  return {
    caller: { functionName: 'fn', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn' },
    signal,
    authorize: (action, resource) => {
      authorized.push(`${action} ${resource}`);
    },
  };
}

const call = (input: Record<string, unknown>, ctx = context()) =>
  service('Fetch', { method: 'GET', headers: [], redirect: 'follow', ...input }, ctx) as Promise<FetchOutput>;

async function failure(p: Promise<unknown>): Promise<ServiceCallFailure> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ServiceCallFailure);
  return e as ServiceCallFailure;
}

describe('fetch service', () => {
  it('connects a name allowed by the policy to the address it resolved, with the name as Host', async () => {
    const out = await call({ url: `http://api.test:${port}/hello#fragment` });
    expect(out.status).toBe(200);
    expect(out.url).toBe(`http://api.test:${port}/hello`);
    expect(Buffer.from(out.body!).toString()).toBe('hello');
    expect(seen.at(-1)?.host).toBe(`api.test:${port}`);
    expect(authorized).toContain(`islet:Fetch url:http://api.test:${port}`);
  });

  it('refuses a name that resolves to a private address (DNS rebinding) and logs host and reason', async () => {
    const before = seen.length;
    const e = await failure(call({ url: `http://rebind.test:${port}/hello` }));
    expect(e.code).toBe('ISLET_EGRESS_DENIED');
    expect(e.message).toBe('islet egress policy: rebind.test (127.0.0.1) is a loopback address');
    expect(seen.length).toBe(before);
    expect(warnings.at(-1)).toEqual({
      function: 'fn',
      host: 'rebind.test (127.0.0.1)',
      reason: 'a loopback address',
    });
  });

  it('checks every redirect hop', async () => {
    const target = encodeURIComponent(`http://rebind.test:${port}/hello`);
    const e = await failure(call({ url: `http://api.test:${port}/to?url=${target}` }));
    expect(e.message).toMatch(/rebind\.test \(127\.0\.0\.1\) is a loopback address/);
    const meta = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    const m = await failure(call({ url: `http://api.test:${port}/to?url=${meta}` }));
    expect(m.message).toBe('islet egress policy: 169.254.169.254 is a cloud metadata address');
    const file = encodeURIComponent('file:///etc/passwd');
    const f = await failure(call({ url: `http://api.test:${port}/to?url=${file}` }));
    expect(f.message).toBe('islet egress policy: file: URLs are not fetched, only http: and https:');
  });

  it('stops after 20 redirects', async () => {
    const e = await failure(call({ url: `http://api.test:${port}/loop` }));
    expect(e.code).toBe('ISLET_REDIRECT');
    expect(e.message).toBe('more than 20 redirects');
  });

  it('turns POST into GET on 303 and drops the credentials when a redirect leaves the origin', async () => {
    const other = encodeURIComponent(`http://127.0.0.1:${port}/echo`);
    const svc = fetchService(
      {
        policy: new EgressPolicy(['api.test', '127.0.0.1']),
        timeoutMs: 2000,
        maxResponseBytes: 1024 * 1024,
        maxRequestBytes: 1000,
        resolve: resolver,
      },
      logger,
    );
    const out = (await svc(
      'Fetch',
      {
        url: `http://api.test:${port}/to?status=303&url=${other}`,
        method: 'POST',
        headers: [
          ['authorization', 'Bearer secret'],
          ['content-type', 'text/plain'],
          ['x-kept', 'yes'],
        ],
        body: Buffer.from('payload'),
        redirect: 'follow',
      },
      context(),
    )) as FetchOutput;
    const echoed = JSON.parse(Buffer.from(out.body!).toString());
    expect(out.redirected).toBe(true);
    expect(out.url).toBe(`http://127.0.0.1:${port}/echo`);
    expect(echoed.method).toBe('GET');
    expect(echoed.body).toBe('');
    expect(echoed.headers.authorization).toBeUndefined();
    expect(echoed.headers['content-type']).toBeUndefined();
    expect(echoed.headers['x-kept']).toBe('yes');
  });

  it('refuses headers islet computes, and oversized request bodies', async () => {
    for (const name of ['Host', 'connection', 'Content-Length', 'transfer-encoding']) {
      const e = await failure(call({ url: `http://api.test:${port}/hello`, headers: [[name, 'x']] }));
      expect(e.message).toBe(`header '${name.toLowerCase()}' cannot be set; islet computes it`);
    }
    const big = await failure(
      call({ url: `http://api.test:${port}/echo`, method: 'POST', body: Buffer.alloc(1001) }),
    );
    expect(big.code).toBe('ISLET_REQUEST_TOO_LARGE');
    expect(big.statusCode).toBe(413);
  });

  it('refuses a response body over the cap, also when it only grows by decompression', async () => {
    const declared = await failure(call({ url: `http://api.test:${port}/big?n=${2 * 1024 * 1024}` }));
    expect(declared.code).toBe('ISLET_RESPONSE_TOO_LARGE');
    const bomb = await failure(call({ url: `http://api.test:${port}/gzip-bomb` }));
    expect(bomb.code).toBe('ISLET_RESPONSE_TOO_LARGE');
    const fits = await call({ url: `http://api.test:${port}/big?n=${1024 * 1024}` });
    expect(fits.body?.byteLength).toBe(1024 * 1024);
  });

  it('aborts a request when its caller sends Abort with the token, and only its caller', async () => {
    const pending = call({ url: `http://api.test:${port}/hang?a`, abortToken: 'tok-1' });
    await new Promise((r) => setTimeout(r, 100));
    const stranger = context();
    stranger.caller = {
      functionName: 'other',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:other',
    };
    await service('Abort', { abortToken: 'tok-1' }, stranger);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).not.toContain('/hang?a');
    await service('Abort', { abortToken: 'tok-1' }, context());
    const e = await failure(pending);
    expect(e.code).toBe('AbortError');
    await expect.poll(() => closed).toContain('/hang?a');
  });

  it('gives up after its own timeout, and at the caller deadline', async () => {
    const e = await failure(call({ url: `http://api.test:${port}/hang?t` }));
    expect(e.code).toBe('ISLET_FETCH_TIMEOUT');
    expect(e.message).toBe('no complete response within 2000 ms (--fetch-timeout-ms)');
    const deadline = await call(
      { url: `http://api.test:${port}/hang?d` },
      context(AbortSignal.timeout(100)),
    ).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(deadline?.name).toBe('TimeoutError'); // ServiceHost reports it as the deadline
    await expect.poll(() => closed).toContain('/hang?d');
  });

  it('reports connection failures with the system error code', async () => {
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const freePort = (spare.address() as AddressInfo).port;
    await new Promise((r) => spare.close(r));
    const e = await failure(call({ url: `http://api.test:${freePort}/` }));
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.message).toBe(`connect ECONNREFUSED 127.0.0.1:${freePort}`);
    const bad = await failure(call({ url: 'http://api.test:1/' }));
    expect(bad.message).toBe('bad port'); // the Fetch standard's blocked ports
    const n = await failure(call({ url: 'http://nowhere.test/' }));
    expect(n.code).toBe('ENOTFOUND');
  });

  it('refuses bad input', async () => {
    expect((await failure(call({ url: 'not a url' }))).code).toBe('ERR_INVALID_URL');
    expect((await failure(call({ url: `http://api.test:${port}/`, method: 'GET /x' }))).code).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
    expect((await failure(call({ url: `http://api.test:${port}/`, headers: [['a']] }))).code).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
    expect((await failure(call({ url: `http://api.test:${port}/`, redirect: 'sideways' }))).code).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
    expect((await failure(call({ url: `http://u:p@api.test:${port}/` }))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await failure(service('Nope', {}, context()))).code).toBe('UnsupportedOperation');
  });
});
