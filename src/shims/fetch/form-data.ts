import { TextDecoder, TextEncoder } from '../encoding';
import { Blob, blobBytes, concatBytes, File } from './blob';

type Entry = [name: string, value: string | File];

function toEntryValue(value: unknown, filename?: unknown): string | File {
  if (!(value instanceof Blob)) return String(value);
  if (value instanceof File && filename === undefined) return value;
  const name = filename !== undefined ? String(filename) : value instanceof File ? value.name : 'blob';
  return new File([value], name, {
    type: value.type,
    lastModified: value instanceof File ? value.lastModified : undefined,
  });
}

/** FormData per the XHR standard: ordered name/value entries, values strings or Files. */
export class FormData {
  #entries: Entry[] = [];

  constructor(form?: unknown) {
    if (form !== undefined) throw new TypeError('FormData: there are no HTML forms in islet');
  }

  append(name: string, value: unknown, filename?: string): void {
    this.#entries.push([String(name), toEntryValue(value, filename)]);
  }

  set(name: string, value: unknown, filename?: string): void {
    const n = String(name);
    const entry: Entry = [n, toEntryValue(value, filename)];
    const i = this.#entries.findIndex(([k]) => k === n);
    if (i < 0) this.#entries.push(entry);
    else this.#entries = this.#entries.flatMap((e, j) => (j === i ? [entry] : e[0] === n ? [] : [e]));
  }

  delete(name: string): void {
    this.#entries = this.#entries.filter(([k]) => k !== String(name));
  }

  get(name: string): string | File | null {
    return this.#entries.find(([k]) => k === String(name))?.[1] ?? null;
  }

  getAll(name: string): Array<string | File> {
    return this.#entries.filter(([k]) => k === String(name)).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.#entries.some(([k]) => k === String(name));
  }

  *entries(): IterableIterator<[string, string | File]> {
    for (const [k, v] of [...this.#entries]) yield [k, v];
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<string | File> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(callback: (value: string | File, name: string, form: FormData) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string | File]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'FormData';
  }
}

const escapeQuoted = (s: string) => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');

/** multipart/form-data encoding of `form`; returns the body and its Content-Type. */
export function encodeMultipart(form: FormData): { bytes: Uint8Array; contentType: string } {
  const random = new Uint8Array(12);
  crypto.getRandomValues(random);
  const boundary = `----formdata-islet-${Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const [name, value] of form) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"`;
    if (typeof value === 'string') {
      parts.push(encoder.encode(`${head}\r\n\r\n${value.replace(/\r(?!\n)|(?<!\r)\n/g, '\r\n')}\r\n`));
      continue;
    }
    head += `; filename="${escapeQuoted(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
    parts.push(encoder.encode(head), blobBytes(value), encoder.encode('\r\n'));
  }
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  return { bytes: concatBytes(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const parseFailure = () => new TypeError('Failed to parse body as FormData.');

/** application/x-www-form-urlencoded parsing (percent-decoding to UTF-8, '+' as space). */
export function parseUrlEncoded(text: string): Array<[string, string]> {
  const decoder = new TextDecoder();
  const decode = (s: string) => {
    const bytes: number[] = [];
    const raw = new TextEncoder().encode(s.replace(/\+/g, ' '));
    for (let i = 0; i < raw.length; i++) {
      const hex = raw[i] === 0x25 && i + 2 < raw.length ? String.fromCharCode(raw[i + 1]!, raw[i + 2]!) : '';
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else bytes.push(raw[i]!);
    }
    return decoder.decode(new Uint8Array(bytes));
  };
  return text
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [decode(p), ''] : [decode(p.slice(0, eq)), decode(p.slice(eq + 1))];
    });
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** Parses a body as FormData, by its Content-Type (multipart/form-data or urlencoded). */
export function parseFormData(bytes: Uint8Array, contentType: string | null): FormData {
  const form = new FormData();
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of parseUrlEncoded(new TextDecoder().decode(bytes))) form.append(k, v);
    return form;
  }
  if (!type.startsWith('multipart/form-data')) throw parseFailure();
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw parseFailure();
  const text = latin1(bytes);
  const delimiter = `--${boundary}`;
  let at = text.indexOf(delimiter);
  if (at < 0) throw parseFailure();
  const utf8 = new TextDecoder();
  for (;;) {
    at += delimiter.length;
    if (text.startsWith('--', at)) return form;
    if (!text.startsWith('\r\n', at)) throw parseFailure();
    const headEnd = text.indexOf('\r\n\r\n', at + 2);
    if (headEnd < 0) throw parseFailure();
    const head = utf8.decode(bytes.subarray(at + 2, headEnd));
    const next = text.indexOf(`\r\n${delimiter}`, headEnd + 4);
    if (next < 0) throw parseFailure();
    const content = bytes.subarray(headEnd + 4, next);
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(head)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw parseFailure();
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename === undefined) form.append(name, utf8.decode(content));
    else {
      const partType = /^content-type:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
      form.append(name, new File([content], filename, { type: partType }));
    }
    at = next + 2;
  }
}
