import { TextDecoder, TextEncoder } from '../encoding';
import { Blob, blobBytes, copyBytes } from './blob';
import { encodeMultipart, FormData, parseFormData } from './form-data';
import type { Headers } from './headers';

/**
 * Bodies of Requests and Responses. The sandbox has no ReadableStream: a body is held in memory
 * as bytes. `body` is a small read-once object (BodyStream) with getReader() and async iteration,
 * enough for code that reads a response in chunks; it is not a full ReadableStream (no pipeTo,
 * tee, BYOB readers).
 */

export type BodyInit =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | Blob
  | FormData
  | URLSearchParams
  | BodyStream;

/** Why a stream body is refused, in the words the function sees. */
export const noStreams =
  'streaming bodies (ReadableStream, async iterables) are not supported in islet: the sandbox has no streams; pass a string, Uint8Array, ArrayBuffer, Blob, FormData or URLSearchParams';

const streamBytes = new WeakMap<BodyStream, { bytes: Uint8Array; disturbed: boolean; owner: Body }>();

/** A body's contents, read once: getReader().read() yields all bytes in one chunk, then done. */
export class BodyStream {
  #locked = false;

  constructor(key: Body, bytes: Uint8Array) {
    if (!(key instanceof Body)) throw new TypeError('Illegal constructor');
    streamBytes.set(this, { bytes, disturbed: false, owner: key });
  }

  get locked(): boolean {
    return this.#locked;
  }

  getReader(options?: { mode?: string }): BodyReader {
    if (options?.mode !== undefined)
      throw new TypeError(`${String(options.mode)} readers are not supported in islet`);
    if (this.#locked) throw new TypeError('ReadableStream is locked');
    this.#locked = true;
    return new BodyReader(this, () => {
      this.#locked = false;
    });
  }

  async cancel(): Promise<void> {
    if (this.#locked) throw new TypeError('ReadableStream is locked');
    take(this);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    const reader = this.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value!;
      }
    } finally {
      reader.releaseLock();
    }
  }

  pipeTo(): never {
    throw new TypeError(noStreams);
  }

  pipeThrough(): never {
    throw new TypeError(noStreams);
  }

  tee(): never {
    throw new TypeError(noStreams);
  }

  get [Symbol.toStringTag](): string {
    return 'ReadableStream';
  }
}

/** Marks the stream read and returns its bytes (empty once read). */
function take(stream: BodyStream): Uint8Array {
  const state = streamBytes.get(stream)!;
  const bytes = state.disturbed ? new Uint8Array(0) : state.bytes;
  state.disturbed = true;
  return bytes;
}

class BodyReader {
  #stream: BodyStream | undefined;
  #release: () => void;
  #closed: Promise<void> = Promise.resolve();

  constructor(stream: BodyStream, release: () => void) {
    this.#stream = stream;
    this.#release = release;
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  async read(): Promise<{ done: boolean; value: Uint8Array | undefined }> {
    if (!this.#stream) throw new TypeError('this reader was released');
    const state = streamBytes.get(this.#stream)!;
    if (state.disturbed) return { done: true, value: undefined };
    const bytes = take(this.#stream);
    return bytes.byteLength === 0 ? { done: true, value: undefined } : { done: false, value: bytes.slice() };
  }

  async cancel(): Promise<void> {
    if (this.#stream) take(this.#stream);
  }

  releaseLock(): void {
    if (!this.#stream) return;
    this.#stream = undefined;
    this.#release();
  }
}

/** Turns a body given to Request/Response/fetch into bytes and the Content-Type it implies. */
export function extractBody(body: unknown): { bytes: Uint8Array; contentType: string | null } {
  if (typeof body === 'string')
    return { bytes: new TextEncoder().encode(body), contentType: 'text/plain;charset=UTF-8' };
  const bytes = copyBytes(body);
  if (bytes) return { bytes, contentType: null };
  if (body instanceof Blob) return { bytes: blobBytes(body).slice(), contentType: body.type || null };
  if (body instanceof FormData) return encodeMultipart(body);
  if (body instanceof BodyStream) {
    const state = streamBytes.get(body)!;
    if (state.disturbed || body.locked)
      throw new TypeError('Response body object should not be disturbed or locked');
    return { bytes: take(body).slice(), contentType: null };
  }
  if (Object.prototype.toString.call(body) === '[object URLSearchParams]') {
    return {
      bytes: new TextEncoder().encode(String(body)),
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (body !== null && typeof body === 'object') {
    const o = body as Record<PropertyKey, unknown>;
    if (typeof o.getReader === 'function' || typeof o[Symbol.asyncIterator] === 'function')
      throw new TypeError(noStreams);
  }
  return { bytes: new TextEncoder().encode(String(body)), contentType: 'text/plain;charset=UTF-8' };
}

let setBytes: (body: Body, bytes: Uint8Array | null) => void;

/** Gives a just-built Request or Response its body bytes (held, not copied). */
export function initBody(body: Body, bytes: Uint8Array | null): void {
  setBytes(body, bytes);
}

/** The Body mixin of Request and Response: bodyUsed, text(), json(), arrayBuffer(), bytes(), blob(), formData(). */
export abstract class Body {
  #bytes: Uint8Array | null;
  #stream: BodyStream | null = null;

  protected constructor(bytes: Uint8Array | null) {
    this.#bytes = bytes;
  }

  static {
    setBytes = (body, bytes) => {
      body.#bytes = bytes;
      body.#stream = null;
    };
  }

  abstract get headers(): Headers;

  get body(): BodyStream | null {
    if (this.#bytes === null) return null;
    this.#stream ??= new BodyStream(this, this.#bytes);
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#stream !== null && streamBytes.get(this.#stream)!.disturbed;
  }

  /** The body's bytes, marking it used; TypeError if it was read before. */
  protected consume(): Uint8Array {
    if (this.#bytes === null) return new Uint8Array(0);
    const stream = this.body!;
    if (this.bodyUsed || stream.locked) throw new TypeError('Body is unusable: Body has already been read');
    return take(stream);
  }

  /** The bytes for a clone or a request sent (TypeError if used); does not mark the body used. */
  protected peekBytes(): Uint8Array | null {
    if (this.bodyUsed || this.#stream?.locked) throw new TypeError('Body has already been consumed.');
    return this.#bytes;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(this.consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.consume().slice().buffer;
  }

  async bytes(): Promise<Uint8Array> {
    return this.consume().slice();
  }

  async blob(): Promise<Blob> {
    const bytes = this.consume();
    return new Blob([bytes], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    const bytes = this.consume();
    return parseFormData(bytes, this.headers.get('content-type'));
  }
}
