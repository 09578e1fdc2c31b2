/**
 * The host's half of the service-call text format (the sandbox's half, and the format itself, is
 * shims/wire.ts, whose tags it uses): JSON with {"$islet:bytes": base64} for bytes and
 * {"$islet:date": ISO} for dates.
 */
import { bytesTag, dateTag } from '../shims/wire';

/** Decodes a call's input: tagged bytes become Buffers, tagged dates Dates. Throws on bad JSON. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o[bytesTag] === 'string') return Buffer.from(o[bytesTag], 'base64');
      if (keys.length === 1 && typeof o[dateTag] === 'string') return new Date(o[dateTag]);
    }
    return v;
  });
}

/** Encodes a call's output or error for the sandbox. */
export function encodeWire(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Uint8Array)
      return { [bytesTag]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
    if (raw instanceof Date) return { [dateTag]: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
    return v;
  });
  return text === undefined ? 'null' : text;
}
