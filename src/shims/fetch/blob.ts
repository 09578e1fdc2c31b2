import { TextDecoder, TextEncoder } from '../encoding';

export type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

/** The bytes behind a Blob (never handed out: readers get copies). */
const store = new WeakMap<Blob, Uint8Array>();

/** Copies the bytes of any binary value, or undefined if `v` is not binary. */
export function copyBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  if (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer) {
    return new Uint8Array(v).slice();
  }
  return undefined;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The bytes of a Blob, without copying (for islet's own serialisers only). */
export function blobBytes(blob: Blob): Uint8Array {
  return store.get(blob) ?? new Uint8Array(0);
}

function normaliseType(type: unknown): string {
  const t = type === undefined ? '' : String(type);
  return /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : '';
}

/** Blob per the File API, held in memory. stream() does not exist: the sandbox has no streams. */
export class Blob {
  readonly #type: string;

  constructor(parts: Iterable<BlobPart> = [], options: { type?: string; endings?: string } = {}) {
    if (
      parts === null ||
      typeof parts !== 'object' ||
      typeof (parts as Iterable<BlobPart>)[Symbol.iterator] !== 'function'
    ) {
      throw new TypeError('Blob: the first argument must be an iterable of parts');
    }
    const encoder = new TextEncoder();
    const chunks: Uint8Array[] = [];
    for (const part of parts) {
      if (part instanceof Blob) chunks.push(blobBytes(part));
      else chunks.push(copyBytes(part) ?? encoder.encode(String(part)));
    }
    store.set(this, concatBytes(chunks));
    this.#type = normaliseType(options?.type);
  }

  get size(): number {
    return blobBytes(this).byteLength;
  }

  get type(): string {
    return this.#type;
  }

  slice(start?: number, end?: number, contentType?: string): Blob {
    const bytes = blobBytes(this);
    const b = new Blob([], { type: contentType });
    store.set(b, bytes.slice(start, end));
    return b;
  }

  async text(): Promise<string> {
    return new TextDecoder().decode(blobBytes(this));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return blobBytes(this).slice().buffer;
  }

  async bytes(): Promise<Uint8Array> {
    return blobBytes(this).slice();
  }

  stream(): never {
    throw new TypeError('Blob.stream() is not available in islet: the sandbox has no ReadableStream');
  }

  get [Symbol.toStringTag](): string {
    return 'Blob';
  }
}

/** File: a Blob with a name and a modification time (what FormData holds for uploads). */
export class File extends Blob {
  readonly #name: string;
  readonly #lastModified: number;

  constructor(
    parts: Iterable<BlobPart>,
    name: string,
    options: { type?: string; lastModified?: number } = {},
  ) {
    super(parts, options);
    if (name === undefined) throw new TypeError('File: a name is required');
    this.#name = String(name);
    this.#lastModified = options?.lastModified === undefined ? Date.now() : Number(options.lastModified);
  }

  get name(): string {
    return this.#name;
  }

  get lastModified(): number {
    return this.#lastModified;
  }

  override get [Symbol.toStringTag](): string {
    return 'File';
  }
}
