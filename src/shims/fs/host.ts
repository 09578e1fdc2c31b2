import { constants } from './constants';
import { uvError } from './errors';

/** The host function behind `fs` (runtime/executor/tmp-dir.ts answers it). */
export type FsOp = (op: string, argsJson: string, data: ArrayBuffer | undefined) => string | ArrayBuffer;

/** Most bytes one host call carries; bigger reads and writes are split (the host refuses more). */
export const chunkBytes = 1024 * 1024;

/** What an error message names: the syscall and the paths as the caller wrote them. */
export interface ErrorContext {
  syscall: string;
  path?: string;
  dest?: string;
}

/** Stats fields as the host sends them. */
export interface RawStats {
  type: 'f' | 'd' | 'o';
  mode: number;
  size: number;
  ino: number;
  nlink: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;
}

/** The host calls `fs` is built from; every failure is thrown as Node's error. */
export class FsHost {
  constructor(private readonly op: FsOp) {}

  /** One operation answering JSON. */
  call<T>(name: string, args: Record<string, unknown>, ctx: ErrorContext, data?: ArrayBuffer): T {
    const out = this.op(name, JSON.stringify(args), data);
    return (typeof out === 'string' ? decode(out, ctx) : out) as T;
  }

  /** Reads up to `length` (<= chunkBytes) bytes at `position`, or at the fd's position when null. */
  read(fd: number, length: number, position: number | null): Uint8Array {
    const out = this.op('read', JSON.stringify({ fd, length, position }), undefined);
    if (typeof out === 'string') decode(out, { syscall: 'read' });
    return new Uint8Array(out as ArrayBuffer);
  }

  /** Writes all of `bytes` in chunks; position null writes at (and moves) the fd's position. */
  writeAll(fd: number, bytes: Uint8Array, position: number | null): number {
    for (const [off, data] of chunksOf(bytes)) {
      this.call(
        'write',
        { fd, position: position === null ? null : position + off },
        { syscall: 'write' },
        data,
      );
    }
    return bytes.byteLength;
  }

  /** A whole file opened with `flags` (one call per chunk: open, read and close at once). */
  readFile(path: string, flags: number): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const args = { path, flags: total === 0 ? flags : 0, offset: total, length: chunkBytes };
      const out = this.op('readFile', JSON.stringify(args), undefined);
      if (typeof out === 'string') decode(out, { syscall: 'open', path });
      const chunk = new Uint8Array(out as ArrayBuffer);
      chunks.push(chunk);
      total += chunk.byteLength;
      if (chunk.byteLength < chunkBytes) break;
    }
    if (chunks.length === 1) return chunks[0];
    const all = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    return all;
  }

  /**
   * Writes a whole file opened with `flags` (which must truncate or append), one call per chunk;
   * the chunks after the first are appended.
   */
  writeFile(path: string, flags: number, bytes: Uint8Array): void {
    const appendOnly = constants.O_WRONLY | constants.O_APPEND;
    let first = true;
    for (const [, data] of chunksOf(bytes)) {
      this.call('writeFile', { path, flags: first ? flags : appendOnly }, { syscall: 'open', path }, data);
      first = false;
    }
    if (first) this.call('writeFile', { path, flags }, { syscall: 'open', path }, new ArrayBuffer(0));
  }
}

/** Offsets and exact copies of `bytes` in pieces of at most chunkBytes (only those bytes cross). */
function* chunksOf(bytes: Uint8Array): Generator<[number, ArrayBuffer]> {
  for (let off = 0; off < bytes.byteLength; off += chunkBytes) {
    const n = Math.min(chunkBytes, bytes.byteLength - off);
    const whole =
      bytes.byteOffset === 0 && bytes.buffer.byteLength === n && bytes.buffer instanceof ArrayBuffer;
    yield [
      off,
      whole ? bytes.buffer : (Uint8Array.prototype.slice.call(bytes, off, off + n).buffer as ArrayBuffer),
    ];
  }
}

/** The host's JSON answer, or Node's error for a failure. */
function decode(text: string, ctx: ErrorContext): unknown {
  const value = JSON.parse(text) as { $err?: string; syscall?: string; bare?: boolean } | null;
  if (value !== null && typeof value === 'object' && typeof value.$err === 'string') {
    // `bare`: a failure Node reports without a path (a write or read after the open).
    if (value.bare) throw uvError(value.$err, value.syscall ?? ctx.syscall);
    throw uvError(value.$err, value.syscall ?? ctx.syscall, ctx.path, ctx.dest);
  }
  return value;
}
