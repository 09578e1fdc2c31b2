import { describe, expect, it } from 'vitest';
import { AbortController, AbortSignal } from './abort';
import { Blob, File } from './blob';
import { DOMException } from './dom-exception';
import { FormData } from './form-data';
import { Headers } from './headers';
import { Request } from './request';
import { Response } from './response';

// The sandbox's fetch classes, run here on Node; where Node has the same class (undici's), the
// two are compared on the same inputs.

const rejection = async (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: Error) => [e.constructor.name, e.message],
  );

describe('Headers', () => {
  it('matches Node on names, combining, Set-Cookie and iteration order', () => {
    const ops = (h: {
      append(n: string, v: string): void;
      set(n: string, v: string): void;
      delete(n: string): void;
    }) => {
      h.append('X-B', ' two ');
      h.append('x-a', 'one');
      h.append('X-A', 'uno');
      h.append('Set-Cookie', 'a=1');
      h.append('set-cookie', 'b=2');
      h.append('x-gone', '1');
      h.delete('X-GONE');
      h.set('x-c', '3');
      h.set('X-C', '4');
    };
    const ours = new Headers();
    const node = new globalThis.Headers();
    ops(ours);
    ops(node);
    expect([...ours]).toEqual([...node]);
    expect(ours.get('x-a')).toBe(node.get('x-a'));
    expect(ours.get('missing')).toBeNull();
    expect(ours.getSetCookie()).toEqual(node.getSetCookie());
    expect(ours.has('X-B')).toBe(true);
    expect([...ours.keys()]).toEqual([...node.keys()]);
  });

  it('accepts records, pairs and other Headers; refuses bad names, values and pairs', () => {
    expect([...new Headers({ A: '1', b: '2' })]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect([...new Headers([['c', '3']])]).toEqual([['c', '3']]);
    expect([...new Headers(new Headers({ d: '4' }))]).toEqual([['d', '4']]);
    expect(() => new Headers([['only-name']] as unknown as [string, string][])).toThrow(TypeError);
    expect(() => new Headers({ 'bad name': 'x' })).toThrow(/not a valid header name/);
    expect(() => new Headers({ ok: 'line\r\nbreak' })).toThrow(/invalid value/);
    expect(() => new Headers('x' as unknown as Record<string, string>)).toThrow(TypeError);
  });

  it('is immutable on a fetched response', () => {
    const r = Response.error();
    expect(() => r.headers.set('a', 'b')).toThrow(/immutable/);
  });
});

describe('Request', () => {
  it('normalises methods as the standard does and refuses forbidden ones', () => {
    expect(new Request('http://x.test/', { method: 'post' }).method).toBe('POST');
    expect(new Request('http://x.test/', { method: 'patch' }).method).toBe('patch');
    expect(() => new Request('http://x.test/', { method: 'CONNECT' })).toThrow(/unsupported/);
    expect(() => new Request('http://x.test/', { method: 'bad method' })).toThrow(/not a valid HTTP method/);
  });

  it('refuses bodies on GET/HEAD, relative URLs and URLs with credentials', () => {
    expect(() => new Request('http://x.test/', { body: 'x' })).toThrow(
      'Request with GET/HEAD method cannot have body.',
    );
    expect(() => new Request('/relative')).toThrow('Failed to parse URL from /relative');
    expect(() => new Request('http://u:p@x.test/')).toThrow(/includes credentials/);
    expect(() => new Request('http://x.test/', { redirect: 'never' as 'follow' })).toThrow(TypeError);
    expect(() => new Request('http://x.test/', { signal: {} as AbortSignal })).toThrow(/AbortSignal/);
  });

  it('sets Content-Type from the body as Node does', async () => {
    const bodies = () => [
      'text',
      new URLSearchParams('a=1'),
      new Uint8Array([1]),
      new Blob(['x'], { type: 'image/png' }),
    ];
    for (const [i, body] of bodies().entries()) {
      const ours = new Request('http://x.test/', { method: 'POST', body: body as never });
      const node = new globalThis.Request('http://x.test/', {
        method: 'POST',
        body: i === 3 ? new globalThis.Blob(['x'], { type: 'image/png' }) : (body as never),
      });
      expect(ours.headers.get('content-type')).toBe(node.headers.get('content-type'));
    }
  });

  it('moves the body of a Request it is built from, and clones before use', async () => {
    const a = new Request('http://x.test/', { method: 'PUT', body: 'payload', headers: { 'x-h': '1' } });
    const c = a.clone();
    const b = new Request(a);
    expect(a.bodyUsed).toBe(true);
    expect(b.method).toBe('PUT');
    expect(b.headers.get('x-h')).toBe('1');
    expect(await b.text()).toBe('payload');
    expect(await c.text()).toBe('payload');
    expect(() => new Request(a)).toThrow(TypeError);
  });
});

describe('Response', () => {
  it('validates status and body as the standard does', () => {
    expect(() => new Response('x', { status: 199 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 600 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 204 })).toThrow(TypeError);
    expect(() => new Response(null, { statusText: 'bad\n' })).toThrow(TypeError);
    const r = new Response(null, { status: 204 });
    expect([r.status, r.ok, r.body, r.type, r.url, r.redirected]).toEqual([
      204,
      true,
      null,
      'default',
      '',
      false,
    ]);
  });

  it('makes JSON, error and redirect responses', async () => {
    const j = Response.json({ a: 1 }, { status: 201, headers: { 'x-h': 'y' } });
    expect([j.status, j.headers.get('content-type'), j.headers.get('x-h'), await j.json()]).toEqual([
      201,
      'application/json',
      'y',
      { a: 1 },
    ]);
    expect(() => Response.json(undefined)).toThrow(TypeError);
    const e = Response.error();
    expect([e.type, e.status, e.ok]).toEqual(['error', 0, false]);
    const r = Response.redirect('http://x.test/next', 307);
    expect([r.status, r.headers.get('location')]).toEqual([307, 'http://x.test/next']);
    expect(() => Response.redirect('http://x.test/', 200)).toThrow(RangeError);
  });

  it('reads a body once, in every form', async () => {
    const r = new Response('héllo');
    expect(r.bodyUsed).toBe(false);
    const copy = r.clone();
    expect(await r.text()).toBe('héllo');
    expect(r.bodyUsed).toBe(true);
    expect(await rejection(r.text())).toEqual(['TypeError', 'Body is unusable: Body has already been read']);
    expect(await rejection(r.arrayBuffer())).toEqual([
      'TypeError',
      'Body is unusable: Body has already been read',
    ]);
    expect(() => r.clone()).toThrow(TypeError);
    expect(Array.from(await copy.bytes())).toEqual([104, 195, 169, 108, 108, 111]);
    expect(await rejection(new Response('{').json())).toEqual(expect.arrayContaining(['SyntaxError']));
    const blob = await new Response('x', { headers: { 'content-type': 'text/x' } }).blob();
    expect([blob.size, blob.type]).toEqual([1, 'text/x']);
  });

  it('reads a body through its reader or async iteration, once', async () => {
    const r = new Response(new Uint8Array([1, 2, 3]));
    const reader = r.body!.getReader();
    expect(r.body!.locked).toBe(true);
    expect(() => r.body!.getReader()).toThrow(/locked/);
    const first = await reader.read();
    expect([first.done, Array.from(first.value!)]).toEqual([false, [1, 2, 3]]);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    reader.releaseLock();
    expect(r.bodyUsed).toBe(true);
    const chunks: number[] = [];
    for await (const c of new Response('ab').body!) chunks.push(...c);
    expect(chunks).toEqual([97, 98]);
    expect(() => new Response('x').body!.pipeTo()).toThrow(/no streams/);
  });

  it('passes a body it has not read on to a new Response, and refuses foreign streams', async () => {
    const r = new Response('forwarded');
    expect(await new Response(r.body).text()).toBe('forwarded');
    expect(r.bodyUsed).toBe(true);
    expect(() => new Response({ getReader() {} })).toThrow(/streaming bodies .* are not supported in islet/);
  });
});

describe('FormData and Blob', () => {
  it('keeps entries in order and turns Blobs into Files', () => {
    const f = new FormData();
    f.append('a', '1');
    f.append('b', new Blob(['x'], { type: 'text/plain' }));
    f.append('a', '2');
    f.set('c', new File(['y'], 'y.txt'), 'renamed.txt');
    expect(f.getAll('a')).toEqual(['1', '2']);
    const b = f.get('b') as File;
    expect([b instanceof File, b.name, b.type, b.size]).toEqual([true, 'blob', 'text/plain', 1]);
    expect((f.get('c') as File).name).toBe('renamed.txt');
    f.set('a', '3');
    expect([...f.keys()]).toEqual(['a', 'b', 'c']);
    f.delete('b');
    expect(f.has('b')).toBe(false);
    expect(() => new FormData({} as never)).toThrow(TypeError);
  });

  it('serialises as multipart that Node parses, and parses what Node serialises', async () => {
    const ours = new FormData();
    ours.append('text', 'line1\nline2 "quoted"');
    ours.append('file', new Blob([new Uint8Array([0, 255, 13, 10])], { type: 'application/x-bin' }), 'b.bin');
    const req = new Request('http://x.test/', { method: 'POST', body: ours });
    const parsedByNode = await new globalThis.Response(await req.arrayBuffer(), {
      headers: { 'content-type': req.headers.get('content-type')! },
    }).formData();
    expect(parsedByNode.get('text')).toBe('line1\r\nline2 "quoted"');
    const file = parsedByNode.get('file') as globalThis.File;
    expect([file.name, file.type, Array.from(new Uint8Array(await file.arrayBuffer()))]).toEqual([
      'b.bin',
      'application/x-bin',
      [0, 255, 13, 10],
    ]);

    const nodeForm = new globalThis.FormData();
    nodeForm.append('n', 'v');
    nodeForm.append('f', new globalThis.Blob(['data'], { type: 'text/csv' }), 'd.csv');
    const nodeReq = new globalThis.Request('http://x.test/', { method: 'POST', body: nodeForm });
    const back = await new Response(new Uint8Array(await nodeReq.arrayBuffer()), {
      headers: { 'content-type': nodeReq.headers.get('content-type')! },
    }).formData();
    expect(back.get('n')).toBe('v');
    const f = back.get('f') as File;
    expect([f.name, f.type, await f.text()]).toEqual(['d.csv', 'text/csv', 'data']);
  });

  it('parses urlencoded bodies and refuses what is neither form type', async () => {
    const form = await new Response('a=1&b=x+y&c=%E2%82%AC&d', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }).formData();
    expect([...form]).toEqual([
      ['a', '1'],
      ['b', 'x y'],
      ['c', '€'],
      ['d', ''],
    ]);
    expect(await rejection(new Response('x').formData())).toEqual([
      'TypeError',
      'Failed to parse body as FormData.',
    ]);
    expect(
      await rejection(
        new Response('garbage', {
          headers: { 'content-type': 'multipart/form-data; boundary=zz' },
        }).formData(),
      ),
    ).toEqual(['TypeError', 'Failed to parse body as FormData.']);
  });

  it('makes Blobs from parts, slices them, and has no streams', async () => {
    const b = new Blob(['ab', new Uint8Array([99]), new Blob(['d'])], { type: 'Text/Plain' });
    expect([b.size, b.type, await b.text()]).toEqual([4, 'text/plain', 'abcd']);
    expect(await b.slice(1, -1).text()).toBe('bc');
    expect(await b.slice(-2).text()).toBe('cd');
    expect(() => b.stream()).toThrow(/no ReadableStream/);
    expect(() => new Blob('abc' as never)).toThrow(TypeError);
  });
});

describe('AbortController, AbortSignal and DOMException', () => {
  it('aborts with an AbortError DOMException by default, once, calling listeners and onabort', () => {
    const c = new AbortController();
    const seen: string[] = [];
    c.signal.onabort = (e) => seen.push(`onabort ${e.type}`);
    c.signal.addEventListener('abort', () => seen.push('once'), { once: true });
    const removed = () => seen.push('removed');
    c.signal.addEventListener('abort', removed);
    c.signal.removeEventListener('abort', removed);
    c.abort();
    c.abort('again');
    expect(seen).toEqual(['onabort abort', 'once']);
    const reason = c.signal.reason as DOMException;
    expect([
      reason instanceof DOMException,
      reason instanceof Error,
      reason.name,
      reason.code,
      reason.message,
    ]).toEqual([true, true, 'AbortError', 20, 'This operation was aborted']);
    expect(() => c.signal.throwIfAborted()).toThrow(reason);
    expect(() => new (AbortSignal as unknown as new () => AbortSignal)()).toThrow('Illegal constructor');
  });

  it('makes already-aborted, timed and combined signals', async () => {
    expect(AbortSignal.abort('r').reason).toBe('r');
    const t = AbortSignal.timeout(10);
    expect(t.aborted).toBe(false);
    await new Promise((r) => t.addEventListener('abort', r));
    expect([(t.reason as DOMException).name, (t.reason as DOMException).code]).toEqual(['TimeoutError', 23]);
    const a = new AbortController();
    const any = AbortSignal.any([a.signal, AbortSignal.timeout(60_000)]);
    a.abort('first');
    expect([any.aborted, any.reason]).toEqual([true, 'first']);
    expect(AbortSignal.any([AbortSignal.abort('pre')]).reason).toBe('pre');
    expect(() => AbortSignal.timeout(-1)).toThrow(TypeError);
  });

  it('builds DOMExceptions as Web IDL does', () => {
    const e = new DOMException('m', 'NotSupportedError');
    expect([e.name, e.message, e.code, Object.prototype.toString.call(e)]).toEqual([
      'NotSupportedError',
      'm',
      9,
      '[object DOMException]',
    ]);
    expect(new DOMException().name).toBe('Error');
    expect(new DOMException('x', { name: 'TimeoutError', cause: 1 }).cause).toBe(1);
  });
});
