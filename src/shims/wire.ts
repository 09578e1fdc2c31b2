/**
 * The text format of service calls between the sandbox and the host (see services/wire.ts for the
 * host's half): JSON, with two tagged objects for what JSON cannot carry.
 *   bytes (Uint8Array, Buffer, ArrayBuffer, DataView) -> {"$islet:bytes": "<base64>"}
 *   Date                                             -> {"$islet:date": "<ISO 8601>"}
 * Decoding turns bytes into Uint8Array and dates into Date. Nothing else is special.
 */
export const bytesTag = '$islet:bytes';
export const dateTag = '$islet:date';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const codes = new Uint8Array(128).fill(255);
for (let i = 0; i < alphabet.length; i++) codes[alphabet.charCodeAt(i)] = i;

const alphabetCodes = new Uint8Array(64);
for (let i = 0; i < 64; i++) alphabetCodes[i] = alphabet.charCodeAt(i);

/** Base64 of bytes (standard alphabet, padded). Writes char codes, then makes strings in chunks. */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  const A = alphabetCodes;
  let i = 0;
  let j = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[j++] = A[v >> 18]!;
    out[j++] = A[(v >> 12) & 63]!;
    out[j++] = A[(v >> 6) & 63]!;
    out[j++] = A[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | ((i + 1 < n ? bytes[i + 1]! : 0) << 8);
    out[j++] = A[v >> 18]!;
    out[j++] = A[(v >> 12) & 63]!;
    out[j++] = i + 1 < n ? A[(v >> 6) & 63]! : 61; // '='
    out[j++] = 61;
  }
  const parts: string[] = [];
  for (let k = 0; k < j; k += 8192) {
    parts.push(
      String.fromCharCode.apply(null, out.subarray(k, Math.min(j, k + 8192)) as unknown as number[]),
    );
  }
  return parts.join('');
}

/** Bytes of a base64 text (padding optional); throws on characters outside the alphabet. */
export function base64ToBytes(text: string): Uint8Array {
  const s = text.endsWith('==') ? text.slice(0, -2) : text.endsWith('=') ? text.slice(0, -1) : text;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? codes[c]! : 255;
    if (v === 255) throw new TypeError('invalid base64 in a service response');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
    }
  }
  return out.subarray(0, j);
}

function asBytes(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

/** Encodes a call's input. Throws TypeError for what cannot be sent (functions, cycles, BigInt). */
export function encodeWire(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    const bytes = asBytes(raw);
    if (bytes) return { [bytesTag]: bytesToBase64(bytes) };
    if (raw instanceof Date) return { [dateTag]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    return v;
  });
  return text === undefined ? 'null' : text;
}

/** Decodes a call's output or error. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o[bytesTag] === 'string' && Object.keys(o).length === 1) return base64ToBytes(o[bytesTag]);
      if (dateTag in o && Object.keys(o).length === 1) return new Date(String(o[dateTag]));
    }
    return v;
  });
}
