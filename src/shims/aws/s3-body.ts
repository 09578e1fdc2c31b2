import { maxCallInputChars } from '../calls';

/**
 * S3 object bodies inside the sandbox: what a function may hand PutObject (collected into bytes
 * here, since only bytes cross to the host) and what GetObject hands back.
 */

declare const require: (id: string) => unknown;

/**
 * Largest object body passed into or out of a function, in bytes: bodies cross as base64 and
 * the call text is capped at maxCallInputChars, less 256 KiB for the other members (the host
 * applies the same cap, services/s3.ts).
 */
export const maxObjectBodyBytes = Math.floor(((maxCallInputChars - 256 * 1024) * 3) / 4);

/** Builds the S3-shaped error a bad body fails with. */
export type BodyError = (name: string, message: string) => Error;

interface BufferClass {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
}

/** A Buffer over the same memory (the sandbox's `buffer` port, loaded on first use). */
export function toBuffer(bytes: Uint8Array): Uint8Array {
  const { Buffer } = require('buffer') as { Buffer: BufferClass };
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

type Listener = (...args: unknown[]) => void;
interface EmitterLike {
  on(event: string, fn: Listener): unknown;
  removeListener?(event: string, fn: Listener): unknown;
  resume?(): unknown;
  destroy?(): unknown;
}

/**
 * A PutObject body as text or bytes: text and bytes pass as they are; a Blob, a web
 * ReadableStream, an async iterable or a Node-style readable is read to the end. Anything
 * larger than maxObjectBodyBytes fails with EntityTooLarge without reading further.
 */
export async function collectBody(body: unknown, fail: BodyError): Promise<string | Uint8Array> {
  const tooLarge = (size: string) =>
    fail(
      'EntityTooLarge',
      `Your proposed upload of ${size} bytes exceeds the largest body islet passes from a function to S3 (${maxObjectBodyBytes} bytes)`,
    );
  if (typeof body === 'string') {
    if (body.length > maxObjectBodyBytes / 3 && utf8Length(body) > maxObjectBodyBytes) {
      throw tooLarge(String(utf8Length(body)));
    }
    return body;
  }
  const direct = asBytes(body);
  if (direct) {
    if (direct.length > maxObjectBodyBytes) throw tooLarge(String(direct.length));
    return direct;
  }
  if (body === null || typeof body !== 'object') {
    throw fail('InvalidArgument', `Body must be a string, bytes, a Blob or a stream (got ${typeof body})`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  const add = (chunk: unknown) => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : asBytes(chunk);
    if (!bytes) throw fail('InvalidArgument', 'a Body stream gave a chunk that is neither text nor bytes');
    total += bytes.length;
    if (total > maxObjectBodyBytes) throw tooLarge(`more than ${maxObjectBodyBytes}`);
    parts.push(bytes);
  };
  const b = body as Record<string | symbol, unknown>;
  if (typeof b.arrayBuffer === 'function') {
    if (typeof b.size === 'number' && b.size > maxObjectBodyBytes) throw tooLarge(String(b.size));
    add(await (b.arrayBuffer as () => Promise<ArrayBuffer>).call(body));
  } else if (typeof b.getReader === 'function') {
    const reader = (b.getReader as () => ReadableStreamReaderLike).call(body);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        add(value);
      }
    } catch (e) {
      void Promise.resolve(reader.cancel?.()).catch(() => {});
      throw e;
    }
  } else if (typeof b[Symbol.asyncIterator] === 'function' || typeof b[Symbol.iterator] === 'function') {
    // for await stops the iterator (return()) when a chunk is refused.
    for await (const chunk of body as AsyncIterable<unknown>) add(chunk);
  } else if (typeof b.on === 'function') {
    await readEmitter(body as EmitterLike, add);
  } else {
    throw fail('InvalidArgument', 'Body must be a string, bytes, a Blob or a stream');
  }
  return concat(parts, total);
}

interface ReadableStreamReaderLike {
  read(): Promise<{ done: boolean; value?: unknown }>;
  cancel?(): unknown;
}

/** Reads an old-style stream ('data' / 'end' / 'error' events) to its end. */
function readEmitter(stream: EmitterLike, add: (chunk: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      stream.removeListener?.('data', onData);
      stream.removeListener?.('end', onEnd);
      stream.removeListener?.('error', onError);
      if (err === undefined) resolve();
      else {
        stream.destroy?.();
        reject(err);
      }
    };
    const onData: Listener = (chunk) => {
      try {
        add(chunk);
      } catch (e) {
        done(e);
      }
    };
    const onEnd: Listener = () => done();
    const onError: Listener = (e) => done(e ?? new Error('the Body stream failed'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume?.();
  });
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * GetObject's Body as the v3 SDK gives it in Node: the SDK's transformTo* helpers, async
 * iteration, and the basics of a Readable ('data' / 'end' events, pipe) that older code uses.
 * The bytes are already here; they are handed out as one Buffer chunk.
 */
export class ObjectBody {
  readonly readable = true;
  private readonly listeners = new Map<string, Listener[]>();
  private flowing = false;
  private encoding: string | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  transformToByteArray(): Promise<Uint8Array> {
    return Promise.resolve(this.bytes);
  }

  transformToString(encoding = 'utf-8'): Promise<string> {
    return Promise.resolve(decode(this.bytes, encoding));
  }

  transformToWebStream(): unknown {
    const RS = (globalThis as { ReadableStream?: new (source: unknown) => unknown }).ReadableStream;
    if (!RS)
      throw new Error(
        'transformToWebStream: ReadableStream is not available in islet; use transformToByteArray',
      );
    const bytes = this.bytes;
    return new RS({
      start(c: { enqueue(b: Uint8Array): void; close(): void }) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<unknown> {
    if (this.bytes.length) yield this.chunk();
  }

  setEncoding(encoding: string): this {
    this.encoding = encoding;
    return this;
  }

  on(event: string, fn: Listener): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn);
    this.listeners.set(event, list);
    if (event === 'data') this.resume();
    return this;
  }

  addListener(event: string, fn: Listener): this {
    return this.on(event, fn);
  }

  once(event: string, fn: Listener): this {
    const once: Listener = (...args) => {
      this.off(event, once);
      fn(...args);
    };
    return this.on(event, once);
  }

  off(event: string, fn: Listener): this {
    const list = this.listeners.get(event);
    if (list)
      this.listeners.set(
        event,
        list.filter((f) => f !== fn),
      );
    return this;
  }

  removeListener(event: string, fn: Listener): this {
    return this.off(event, fn);
  }

  /** Starts the flow: 'data' (once, unless empty), then 'end' and 'close', after the current job. */
  resume(): this {
    if (this.flowing) return this;
    this.flowing = true;
    void Promise.resolve().then(() => {
      if (this.bytes.length) this.emit('data', this.chunk());
      this.emit('end');
      this.emit('close');
    });
    return this;
  }

  pause(): this {
    return this;
  }

  pipe<T extends { write(chunk: unknown): unknown; end?(): unknown }>(dest: T): T {
    this.on('data', (chunk) => dest.write(chunk));
    this.on('end', () => dest.end?.());
    return dest;
  }

  destroy(): this {
    this.flowing = true;
    return this;
  }

  private chunk(): unknown {
    return this.encoding ? decode(this.bytes, this.encoding) : toBuffer(this.bytes);
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
}

function decode(bytes: Uint8Array, encoding: string): string {
  const e = encoding.toLowerCase();
  if (e === 'utf-8' || e === 'utf8') return new TextDecoder().decode(bytes);
  return (toBuffer(bytes) as Uint8Array & { toString(encoding: string): string }).toString(encoding);
}
