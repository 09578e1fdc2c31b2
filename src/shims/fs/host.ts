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
    for (let off = 0; off < bytes.byteLength; off += chunkBytes) {
      const n = Math.min(chunkBytes, bytes.byteLength - off);
      // Only the bytes written cross: a view into a bigger buffer is copied first.
      const data =
        bytes.byteOffset === 0 && bytes.buffer.byteLength === n && bytes.buffer instanceof ArrayBuffer
          ? (bytes.buffer as ArrayBuffer)
          : (Uint8Array.prototype.slice.call(bytes, off, off + n).buffer as ArrayBuffer);
      this.call(
        'write',
        { fd, position: position === null ? null : position + off },
        { syscall: 'write' },
        data,
      );
    }
    return bytes.byteLength;
  }
}

/** The host's JSON answer, or Node's error for a failure. */
function decode(text: string, ctx: ErrorContext): unknown {
  const value = JSON.parse(text) as { $err?: string; syscall?: string } | null;
  if (value !== null && typeof value === 'object' && typeof value.$err === 'string') {
    throw uvError(value.$err, value.syscall ?? ctx.syscall, ctx.path, ctx.dest);
  }
  return value;
}
