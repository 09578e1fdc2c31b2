import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

// fetch() from functions to a local HTTP server that islet is told to allow (--fetch-allow).

let target: Server;
let base: string;
let server: TestServer;
/** Request ids (?id=) whose connection the target saw closed before it answered. */
const closed = new Set<string>();
const bytes256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function startTarget(): Promise<void> {
  target = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const p = url.pathname;
      if (p === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
      } else if (p === '/echo') {
        res.writeHead(200, 'Echoed', {
          'content-type': 'application/json',
          'x-reply': 'yes',
          'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
        });
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body: body.toString('utf8') }));
      } else if (p === '/raw') {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
        res.end(body);
      } else if (p === '/bytes') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes256);
      } else if (p.startsWith('/status/')) {
        const code = Number(p.slice(8));
        res.writeHead(code, `Reason ${code}`).end(code === 204 ? undefined : `status ${code}`);
      } else if (p === '/redirect') {
        res.writeHead(Number(url.searchParams.get('status') ?? 302), {
          location: url.searchParams.get('to')!,
        });
        res.end();
      } else if (p.startsWith('/chain/')) {
        const n = Number(p.slice(7));
        res.writeHead(301, { location: n > 0 ? `/chain/${n - 1}` : '/json' }).end();
      } else if (p === '/big') {
        res.writeHead(200).end(Buffer.alloc(2 * 1024 * 1024, 1));
      } else if (p === '/gzip') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync('{"zipped":true}'));
      } else if (p === '/slow') {
        const id = url.searchParams.get('id') ?? '';
        res.on('close', () => {
          if (!res.writableEnded) closed.add(id);
        });
      } else {
        res.writeHead(404).end();
      }
    });
  });
  return new Promise((r) => target.listen(0, '127.0.0.1', r));
}

const probe = `
const cases = {
  async getJson({ base }) {
    const r = await fetch(base + '/json');
    return { ok: r.ok, status: r.status, statusText: r.statusText, url: r.url, redirected: r.redirected,
      type: r.type, contentType: r.headers.get('content-type'), body: await r.json(), bodyUsed: r.bodyUsed };
  },
  async postJson({ base }) {
    const r = await fetch(base + '/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'a' },
      body: JSON.stringify({ a: 1 }),
    });
    const j = await r.json();
    return { status: r.status, statusText: r.statusText, method: j.method, custom: j.headers['x-custom'],
      sentType: j.headers['content-type'], body: JSON.parse(j.body), reply: r.headers.get('x-reply'),
      setCookie: r.headers.getSetCookie() };
  },
  async statuses({ base }) {
    const out = [];
    for (const code of [201, 204, 404, 500]) {
      const r = await fetch(base + '/status/' + code);
      out.push([r.status, r.statusText, r.ok, r.body === null, await r.text()]);
    }
    return out;
  },
  async redirects({ base }) {
    const one = await fetch(base + '/redirect?to=' + encodeURIComponent('/json'));
    const chain = await fetch(base + '/chain/3');
    const post = await fetch(base + '/redirect?status=303&to=/echo', { method: 'POST', body: 'x' });
    const keep = await fetch(base + '/redirect?status=307&to=/echo', { method: 'POST', body: 'kept' });
    const manual = await fetch(base + '/redirect?to=/json', { redirect: 'manual' });
    let error;
    try { await fetch(base + '/redirect?to=/json', { redirect: 'error' }); } catch (e) { error = [e.name, e.message, e.cause.message]; }
    const posted = await post.json();
    const kept = await keep.json();
    return {
      one: [one.status, one.url, one.redirected, (await one.json()).hello],
      chain: [chain.url, chain.redirected],
      post: [posted.method, posted.body],
      keep: [kept.method, kept.body],
      manual: [manual.status, manual.headers.get('location'), manual.redirected],
      error,
    };
  },
  async failing({ url }) {
    try { await fetch(url); return 'fetched'; }
    catch (e) { return { name: e.name, message: e.message, cause: e.cause && e.cause.message, code: e.cause && e.cause.code }; }
  },
  async binary({ base }) {
    const bytes = new Uint8Array(256);
    for (let i = 0; i < 256; i++) bytes[i] = i;
    const a = await (await fetch(base + '/raw', { method: 'POST', body: bytes })).arrayBuffer();
    const b = await (await fetch(base + '/raw', { method: 'PUT', body: bytes.buffer })).bytes();
    const c = await (await fetch(base + '/raw', { method: 'POST', body: Buffer.from(bytes) })).bytes();
    const blob = await (await fetch(base + '/raw', { method: 'POST', body: new Blob([bytes], { type: 'application/x-test' }) })).blob();
    const down = await (await fetch(base + '/bytes')).arrayBuffer();
    return { a: Array.from(new Uint8Array(a)), b: Array.from(b), c: Array.from(c), blob: [blob.size, blob.type, Array.from(await blob.bytes())],
      down: Array.from(new Uint8Array(down)) };
  },
  async forms({ base }) {
    const p = await (await fetch(base + '/echo', { method: 'POST', body: new URLSearchParams({ a: '1', b: 'x y' }) })).json();
    const fd = new FormData();
    fd.append('field', 'value');
    fd.append('file', new Blob(['hello'], { type: 'text/plain' }), 'h.txt');
    const m = await (await fetch(base + '/echo', { method: 'POST', body: fd })).json();
    const back = await (await fetch(base + '/raw', { method: 'POST', body: fd })).formData();
    const file = back.get('file');
    const u = await (await fetch(base + '/raw', { method: 'POST', body: new URLSearchParams('x=1&y=%C3%A9') })).formData();
    return { urlencoded: [p.headers['content-type'], p.body], multipart: m.headers['content-type'],
      back: [back.get('field'), file.name, file.type, await file.text()], parsedUrlencoded: [...u] };
  },
  async signalTimeout({ base }) {
    try { await fetch(base + '/slow?id=timeout', { signal: AbortSignal.timeout(200) }); return 'fetched'; }
    catch (e) { return { name: e.name, message: e.message, isDOMException: e instanceof DOMException, code: e.code }; }
  },
  async abortController({ base }) {
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    try { await fetch(base + '/slow?id=abort', { signal: c.signal }); return 'fetched'; }
    catch (e) { return { name: e.name, message: e.message, code: e.code, isDOMException: e instanceof DOMException, aborted: c.signal.aborted }; }
  },
  async alreadyAborted({ base }) {
    try { await fetch(base + '/json', { signal: AbortSignal.abort('why') }); return 'fetched'; }
    catch (e) { return e; }
  },
  async bodyOnce({ base }) {
    const r = await fetch(base + '/json');
    const c = r.clone();
    const first = await r.text();
    let second;
    try { await r.text(); } catch (e) { second = [e.name, e.message]; }
    let cloneUsed;
    try { r.clone(); } catch (e) { cloneUsed = e.name; }
    return { first, clone: await c.json(), second, cloneUsed, used: r.bodyUsed };
  },
  async bodyChunks({ base }) {
    const r = await fetch(base + '/bytes');
    let n = 0;
    for await (const chunk of r.body) n += chunk.byteLength;
    return { n, used: r.bodyUsed };
  },
  async streamBody({ base }) {
    const out = [];
    for (const body of [{ getReader() {} }, (async function* () { yield 'x'; })()]) {
      try { await fetch(base + '/echo', { method: 'POST', body }); out.push('sent'); } catch (e) { out.push([e.name, e.message]); }
    }
    return out;
  },
  async dataUrl() {
    const a = await fetch('data:text/plain;base64,aGVsbG8=');
    const b = await fetch('data:,a%20b');
    return [await a.text(), a.headers.get('content-type'), await b.text(), b.headers.get('content-type')];
  },
  async computedHeaders({ base }) {
    const out = [];
    for (const name of ['Host', 'Content-Length', 'Connection', 'Transfer-Encoding']) {
      try { await fetch(base + '/echo', { headers: { [name]: '1' } }); out.push('sent'); }
      catch (e) { out.push([e.name, e.cause.message]); }
    }
    return out;
  },
  async cookies({ base }) {
    const a = await fetch(base + '/echo');
    const b = await (await fetch(base + '/echo')).json();
    return { received: a.headers.getSetCookie(), sentBack: b.headers.cookie === undefined ? null : b.headers.cookie };
  },
  async gzip({ base }) {
    const r = await fetch(base + '/gzip');
    return [await r.json(), r.headers.get('content-encoding')];
  },
  async probe({ base }) {
    const r = await fetch(base + '/json');
    const chain = (o) => { const out = []; for (let p = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) out.push(p); return out; };
    const names = (o) => chain(o).map((p) => p.constructor.name);
    const F = r.headers.get.constructor;
    const bytes = await r.clone().bytes();
    let failure;
    try { await fetch('http://127.0.0.1:1/'); } catch (e) { failure = e; }
    let hostCall;
    try { require('islet:host-call'); hostCall = 'loaded'; } catch (e) { hostCall = e.code; }
    return {
      response: names(r), headers: names(r.headers), bytes: names(bytes), body: names(r.body),
      endsInSandbox: [r, r.headers, bytes, r.body, failure, failure.cause].every((o) => chain(o).at(-1) === Object.prototype),
      functionIsSandboxs: F === Function && r.json.constructor === (async () => {}).constructor,
      globalIsSandboxs: F('return this')() === globalThis,
      requireGlobal: F('return typeof require')(),
      hostGlobals: [typeof F('return this')().require, typeof F('return this')().isolatedVm],
      hostCall,
    };
  },
  lazy() {
    return typeof Object.getOwnPropertyDescriptor(globalThis, 'fetch').get;
  },
};
exports.handler = async (e) => cases[e.case](e);
`;

beforeAll(async () => {
  await startTarget();
  base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  server = await startServer({
    args: [
      '--executors',
      '1',
      '--fetch-allow',
      '127.0.0.1',
      '--fetch-max-response-bytes',
      String(1024 * 1024),
    ],
  });
  const lambda = server.lambda();
  await deploy(lambda, 'probe', { 'index.js': probe }, { Timeout: 10 });
  await deploy(lambda, 'lazy', { 'index.js': probe });
  await deploy(
    lambda,
    'deadline',
    {
      'index.js': `exports.handler = async (e) => { await fetch(e.base + '/slow?id=deadline'); return 'fetched'; };`,
    },
    { Timeout: 1 },
  );
  await deploy(lambda, 'callback', {
    'index.js': `exports.handler = (e, ctx, cb) => {
      fetch(e.base + '/json').then((r) => console.log('later', r.status, r.headers.get('content-type')));
      cb(null, 'sent');
    };`,
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  target?.closeAllConnections();
  target?.close();
});

const run = async (c: string, extra: Record<string, unknown> = {}) => {
  const r = await invoke(server.lambda(), 'probe', { case: c, base, ...extra });
  expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
  return r.payload;
};

describe('fetch() inside a function', () => {
  it('is a lazy global: a function that does not use it does not load it', async () => {
    const r = await invoke(server.lambda(), 'lazy', { case: 'lazy' });
    expect(r.payload).toBe('function');
  });

  it('GETs JSON', async () => {
    expect(await run('getJson')).toEqual({
      ok: true,
      status: 200,
      statusText: 'OK',
      url: `${base}/json`,
      redirected: false,
      type: 'basic',
      contentType: 'application/json',
      body: { hello: 'world' },
      bodyUsed: true,
    });
  });

  it('POSTs JSON with headers both ways', async () => {
    expect(await run('postJson')).toEqual({
      status: 200,
      statusText: 'Echoed',
      method: 'POST',
      custom: 'a',
      sentType: 'application/json',
      body: { a: 1 },
      reply: 'yes',
      setCookie: ['a=1; Path=/', 'b=2; Path=/'],
    });
  });

  it('reports status codes and reason phrases', async () => {
    expect(await run('statuses')).toEqual([
      [201, 'Reason 201', true, false, 'status 201'],
      [204, 'Reason 204', true, true, ''],
      [404, 'Reason 404', false, false, 'status 404'],
      [500, 'Reason 500', false, false, 'status 500'],
    ]);
  });

  it('follows redirects between allowed addresses, honours manual and error', async () => {
    expect(await run('redirects')).toEqual({
      one: [200, `${base}/json`, true, 'world'],
      chain: [`${base}/json`, true],
      post: ['GET', ''],
      keep: ['POST', 'kept'],
      manual: [302, '/json', false],
      error: ['TypeError', 'fetch failed', 'unexpected redirect to /json'],
    });
  });

  it('refuses a redirect to a denied address', async () => {
    for (const [to, cause] of [
      [
        'http://169.254.169.254/latest/meta-data/',
        'islet egress policy: 169.254.169.254 is a cloud metadata address',
      ],
      ['http://[::1]/', 'islet egress policy: ::1 is a loopback address'],
      ['http://10.1.2.3/', 'islet egress policy: 10.1.2.3 is a private address'],
      ['file:///etc/passwd', 'islet egress policy: file: URLs are not fetched, only http: and https:'],
    ]) {
      const url = `${base}/redirect?to=${encodeURIComponent(to!)}`;
      expect(await run('failing', { url })).toEqual({
        name: 'TypeError',
        message: 'fetch failed',
        cause,
        code: 'ISLET_EGRESS_DENIED',
      });
    }
  });

  it('sends and receives binary bodies byte for byte', async () => {
    const all = Array.from(bytes256);
    expect(await run('binary')).toEqual({
      a: all,
      b: all,
      c: all,
      blob: [256, 'application/x-test', all],
      down: all,
    });
  });

  it('sends URLSearchParams and FormData, and parses both back', async () => {
    const r = await run('forms');
    expect(r.urlencoded).toEqual(['application/x-www-form-urlencoded;charset=UTF-8', 'a=1&b=x+y']);
    expect(r.multipart).toMatch(/^multipart\/form-data; boundary=----formdata-islet-[0-9a-f]{24}$/);
    expect(r.back).toEqual(['value', 'h.txt', 'text/plain', 'hello']);
    expect(r.parsedUrlencoded).toEqual([
      ['x', '1'],
      ['y', 'é'],
    ]);
  });

  it('refuses a response over --fetch-max-response-bytes', async () => {
    expect(await run('failing', { url: `${base}/big` })).toEqual({
      name: 'TypeError',
      message: 'fetch failed',
      cause: `the response body from ${base} is larger than islet passes into a function (1048576 bytes, --fetch-max-response-bytes)`,
      code: 'ISLET_RESPONSE_TOO_LARGE',
    });
  });

  it('times out by AbortSignal.timeout, and the host drops the request', async () => {
    expect(await run('signalTimeout')).toEqual({
      name: 'TimeoutError',
      message: 'The operation was aborted due to timeout',
      isDOMException: true,
      code: 23,
    });
    await expect.poll(() => closed.has('timeout')).toBe(true);
  });

  it('aborts by AbortController with an AbortError DOMException, and the host drops the request', async () => {
    expect(await run('abortController')).toEqual({
      name: 'AbortError',
      message: 'This operation was aborted',
      code: 20,
      isDOMException: true,
      aborted: true,
    });
    await expect.poll(() => closed.has('abort')).toBe(true);
    expect(await run('alreadyAborted')).toBe('why');
  });

  it('ends with the invocation deadline, and the host drops the request', async () => {
    const r = await invoke(server.lambda(), 'deadline', { base });
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorMessage).toMatch(/Task timed out after 1\.00 seconds/);
    await expect.poll(() => closed.has('deadline'), { timeout: 5000 }).toBe(true);
  });

  it('keeps a callback handler waiting for its fetch in flight', async () => {
    const r = await invoke(server.lambda(), 'callback', { base });
    expect(r.payload).toBe('sent');
    expect(r.log).toMatch(/\tINFO\tlater 200 application\/json\n/);
  });

  it('reads a body once; clone() before reading gives a second copy', async () => {
    expect(await run('bodyOnce')).toEqual({
      first: '{"hello":"world"}',
      clone: { hello: 'world' },
      second: ['TypeError', 'Body is unusable: Body has already been read'],
      cloneUsed: 'TypeError',
      used: true,
    });
    expect(await run('bodyChunks')).toEqual({ n: 256, used: true });
  });

  it('refuses streaming request bodies with a message that says why', async () => {
    const message =
      'streaming bodies (ReadableStream, async iterables) are not supported in islet: the sandbox has no streams; pass a string, Uint8Array, ArrayBuffer, Blob, FormData or URLSearchParams';
    expect(await run('streamBody')).toEqual([
      ['TypeError', message],
      ['TypeError', message],
    ]);
  });

  it('answers data: URLs in the sandbox', async () => {
    expect(await run('dataUrl')).toEqual(['hello', 'text/plain', 'a b', 'text/plain;charset=US-ASCII']);
  });

  it('refuses headers islet computes', async () => {
    expect(await run('computedHeaders')).toEqual([
      ['TypeError', "header 'host' cannot be set; islet computes it"],
      ['TypeError', "header 'content-length' cannot be set; islet computes it"],
      ['TypeError', "header 'connection' cannot be set; islet computes it"],
      ['TypeError', "header 'transfer-encoding' cannot be set; islet computes it"],
    ]);
  });

  it('keeps no cookies between requests and decompresses gzip', async () => {
    expect(await run('cookies')).toEqual({ received: ['a=1; Path=/', 'b=2; Path=/'], sentBack: null });
    expect(await run('gzip')).toEqual([{ zipped: true }, 'gzip']);
  });

  it('exposes only sandbox objects', async () => {
    expect(await run('probe')).toEqual({
      response: ['Response', 'Body', 'Object'],
      headers: ['Headers', 'Object'],
      bytes: ['Uint8Array', 'TypedArray', 'Object'],
      body: ['ReadableStream', 'Object'],
      endsInSandbox: true,
      functionIsSandboxs: true,
      globalIsSandboxs: true,
      requireGlobal: 'undefined',
      hostGlobals: ['undefined', 'undefined'],
      hostCall: 'MODULE_NOT_FOUND',
    });
  });
});
