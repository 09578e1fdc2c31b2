import { Buffer } from 'buffer';
import { constants } from './constants';
import { argError, invalidArgType, invalidArgValue, rmIsDirectory, uvError } from './errors';
import { chunkBytes, type FsHost, type RawStats } from './host';
import { absolutePath, toFd, toFlags, toPath, toSeconds } from './paths';
import { Dirent, Stats } from './stats';

/** Where writes to fd 1 and 2 go: the function's log, as in Lambda. */
export interface StdStreams {
  stdout(text: string): void;
  stderr(text: string): void;
}

type Options = Record<string, unknown>;
type Encoding = BufferEncoding | 'buffer' | undefined;

/** Largest file readFile returns (Node's kIoMaxLength). */
const maxReadFileBytes = 2 ** 31 - 1;

/** Node's options argument: undefined, an encoding string or an object. */
export function optionsOf(value: unknown, defaults: Options): Options {
  if (value === undefined || value === null || typeof value === 'function') return defaults;
  if (typeof value === 'string') return { ...defaults, encoding: value };
  if (typeof value === 'object') return { ...defaults, ...(value as Options) };
  throw invalidArgType('options', 'one of type string or an instance of Object', value);
}

/** A checked encoding name ('buffer' means: return a Buffer). */
export function encodingOf(value: unknown): Encoding {
  if (value === undefined || value === null) return undefined;
  if (value === 'buffer' || (typeof value === 'string' && Buffer.isEncoding(value))) return value as Encoding;
  throw invalidArgValue('encoding', value, 'is invalid encoding');
}

/** Data to write as bytes (strings in `encoding`, any ArrayBufferView as its bytes). */
export function toBytes(data: unknown, encoding: Encoding, name = 'data'): Uint8Array {
  if (typeof data === 'string') {
    return Buffer.from(data, encoding === 'buffer' || !encoding ? 'utf8' : encoding);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw argError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "${name}" is out of range. It must be >= 0 && <= ${max}. Received ${value}`,
    );
  }
}

function positionOf(value: unknown): number | null {
  if (typeof value === 'bigint') return Number(value);
  return typeof value === 'number' && value >= 0 ? value : null;
}

/** A view of `buffer` from the offset/length arguments of read and write (positional or options). */
function viewOf(
  buffer: ArrayBufferView,
  offsetOrOptions: unknown,
  length: unknown,
  position: unknown,
): { view: Uint8Array; position: number | null } {
  let offset = offsetOrOptions;
  let len = length;
  let pos = position;
  if (offsetOrOptions !== null && typeof offsetOrOptions === 'object') {
    const o = offsetOrOptions as Options;
    offset = o.offset;
    len = o.length;
    pos = o.position;
  }
  const off = offset === undefined || offset === null ? 0 : Number(offset);
  checkRange('offset', off, buffer.byteLength);
  const n = len === undefined || len === null ? buffer.byteLength - off : Number(len);
  checkRange('length', n, buffer.byteLength - off);
  return {
    view: new Uint8Array(buffer.buffer, buffer.byteOffset + off, n),
    position: positionOf(pos),
  };
}

const random = (): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
};

/** The synchronous fs API, over the host calls; the callback and promise forms are built on it. */
export function createSync(host: FsHost, std: StdStreams) {
  const text = new TextDecoder();

  const stat = (path: unknown, syscall: string): RawStats => {
    const p = toPath(path);
    return host.call<RawStats>('stat', { path: p }, { syscall, path: p });
  };

  const statWith = (syscall: string) =>
    function statSync(path: unknown, options?: unknown): Stats | undefined {
      const o = optionsOf(options, {});
      try {
        return new Stats(stat(path, syscall));
      } catch (e) {
        if (o.throwIfNoEntry === false && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    };

  function openSync(path: unknown, flags?: unknown, _mode?: unknown): number {
    const p = toPath(path);
    const n = toFlags(flags, 'r');
    return host.call<{ fd: number }>('open', { path: p, flags: n }, { syscall: 'open', path: p }).fd;
  }

  function closeSync(fd: unknown): void {
    host.call('close', { fd: toFd(fd) }, { syscall: 'close' });
  }

  /** The whole rest of an open file. */
  function readAll(fd: number): Buffer {
    const st = host.call<RawStats>('fstat', { fd }, { syscall: 'fstat' });
    if (st.type === 'd') throw uvError('EISDIR', 'read');
    if (st.size > maxReadFileBytes) {
      throw argError(RangeError, 'ERR_FS_FILE_TOO_LARGE', `File size (${st.size}) is greater than 2 GiB`);
    }
    let out = Buffer.allocUnsafe(st.size);
    let got = 0;
    for (;;) {
      const chunk = host.read(fd, got < st.size ? Math.min(chunkBytes, st.size - got) : chunkBytes, null);
      if (chunk.byteLength === 0) break;
      if (got + chunk.byteLength > out.length) {
        const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, got + chunk.byteLength));
        out.copy(bigger, 0, 0, got);
        out = bigger;
      }
      out.set(chunk, got);
      got += chunk.byteLength;
      if (got === st.size && st.size > 0) break;
    }
    return got === out.length ? out : out.slice(0, got);
  }

  function readFileSync(path: unknown, options?: unknown): string | Buffer {
    const o = optionsOf(options, { flag: 'r' });
    const encoding = encodingOf(o.encoding);
    let buf: Buffer;
    if (typeof path === 'number') buf = readAll(toFd(path));
    else {
      const bytes = host.readFile(toPath(path), toFlags(o.flag, 'r'));
      buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return encoding && encoding !== 'buffer' ? buf.toString(encoding) : buf;
  }

  const writeWith = (defaultFlag: string) =>
    function writeFileSync(file: unknown, data: unknown, options?: unknown): void {
      const o = optionsOf(options, { encoding: 'utf8', flag: defaultFlag });
      const bytes = toBytes(data, encodingOf(o.encoding));
      if (typeof file === 'number') {
        host.writeAll(toFd(file), bytes, null);
        return;
      }
      const flags = toFlags(o.flag, defaultFlag);
      if (flags & (constants.O_TRUNC | constants.O_APPEND)) {
        host.writeFile(toPath(file), flags, bytes);
        return;
      }
      const fd = openSync(file, flags);
      try {
        host.writeAll(fd, bytes, null);
      } finally {
        closeSync(fd);
      }
    };

  function readSync(
    fd: unknown,
    buffer: unknown,
    offsetOrOptions?: unknown,
    length?: unknown,
    position?: unknown,
  ): number {
    const f = toFd(fd);
    if (!ArrayBuffer.isView(buffer)) {
      throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
    }
    const { view, position: pos } = viewOf(buffer, offsetOrOptions, length, position);
    let got = 0;
    // A regular file is read until the view is full or the file ends.
    while (got < view.byteLength) {
      const chunk = host.read(
        f,
        Math.min(chunkBytes, view.byteLength - got),
        pos === null ? null : pos + got,
      );
      if (chunk.byteLength === 0) break;
      view.set(chunk, got);
      got += chunk.byteLength;
    }
    return got;
  }

  function writeSync(
    fd: unknown,
    buffer: unknown,
    offsetOrOptions?: unknown,
    length?: unknown,
    position?: unknown,
  ): number {
    const f = toFd(fd);
    let bytes: Uint8Array;
    let pos: number | null;
    if (typeof buffer === 'string') {
      // writeSync(fd, string[, position[, encoding]])
      bytes = toBytes(buffer, encodingOf(length), 'buffer');
      pos = positionOf(offsetOrOptions);
    } else if (ArrayBuffer.isView(buffer)) {
      ({ view: bytes, position: pos } = viewOf(buffer, offsetOrOptions, length, position));
    } else {
      throw invalidArgType(
        'buffer',
        'of type string or an instance of Buffer, TypedArray, or DataView',
        buffer,
      );
    }
    if (f === 1 || f === 2) {
      (f === 1 ? std.stdout : std.stderr)(text.decode(bytes));
      return bytes.byteLength;
    }
    return host.writeAll(f, bytes, pos);
  }

  function ftruncateSync(fd: unknown, len?: unknown): void {
    const n = len === undefined || len === null ? 0 : Number(len);
    if (!Number.isInteger(n)) throw invalidArgType('len', 'of type number', len);
    host.call('ftruncate', { fd: toFd(fd), length: Math.max(0, n) }, { syscall: 'ftruncate' });
  }

  function rmSync(path: unknown, options?: unknown): void {
    const o = optionsOf(options, {});
    const p = toPath(path);
    try {
      host.call(
        'rm',
        { path: p, recursive: o.recursive === true, force: o.force === true },
        { syscall: 'rm', path: p },
      );
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EISDIR' && err.syscall === 'rm') throw rmIsDirectory(p);
      throw e;
    }
  }

  const pathOp =
    (op: string, syscall: string) =>
    (path: unknown, extra: Options = {}): void => {
      const p = toPath(path);
      host.call(op, { path: p, ...extra }, { syscall, path: p });
    };
  const utimes = pathOp('utimes', 'utime');
  const chmod = pathOp('chmod', 'chmod');

  function realpathSync(path: unknown, options?: unknown): string | Buffer {
    const p = toPath(path);
    stat(p, 'lstat');
    const out = absolutePath(p);
    return encodingOf(optionsOf(options, {}).encoding) === 'buffer' ? Buffer.from(out) : out;
  }
  realpathSync.native = realpathSync;

  return {
    openSync,
    closeSync,
    readSync,
    writeSync,
    readFileSync,
    writeFileSync: writeWith('w'),
    appendFileSync: writeWith('a'),
    /** The rest of an open file (used by FileHandle.readFile and the streams). */
    readAll,
    statSync: statWith('stat'),
    lstatSync: statWith('lstat'),
    fstatSync(fd: unknown): Stats {
      return new Stats(host.call<RawStats>('fstat', { fd: toFd(fd) }, { syscall: 'fstat' }));
    },
    existsSync(path: unknown): boolean {
      try {
        stat(path, 'stat');
        return true;
      } catch {
        return false;
      }
    },
    accessSync(path: unknown, mode?: unknown): void {
      pathOp('access', 'access')(path, { mode: typeof mode === 'number' ? mode : constants.F_OK });
    },
    readdirSync(path: unknown, options?: unknown): Array<string | Buffer | Dirent> {
      const o = optionsOf(options, {});
      const p = toPath(path);
      const encoding = encodingOf(o.encoding);
      const entries = host.call<Array<[string, 'f' | 'd' | 'o']>>(
        'readdir',
        { path: p, recursive: o.recursive === true },
        { syscall: 'scandir', path: p },
      );
      const named = (n: string) => (encoding === 'buffer' ? Buffer.from(n) : n);
      if (o.withFileTypes !== true) return entries.map(([n]) => named(n));
      return entries.map(([n, type]) => {
        const slash = n.lastIndexOf('/');
        return new Dirent(named(n.slice(slash + 1)), type, slash < 0 ? p : `${p}/${n.slice(0, slash)}`);
      });
    },
    mkdirSync(path: unknown, options?: unknown): string | undefined {
      const o = typeof options === 'number' || typeof options === 'string' ? {} : optionsOf(options, {});
      const p = toPath(path);
      const recursive = o.recursive === true;
      const first = host.call<string | null>('mkdir', { path: p, recursive }, { syscall: 'mkdir', path: p });
      return recursive ? (first ?? undefined) : undefined;
    },
    mkdtempSync(prefix: unknown, _options?: unknown): string {
      const p = toPath(prefix, 'prefix');
      for (let i = 0; i < 100; i++) {
        const path = `${p}${random()}`;
        try {
          host.call('mkdir', { path, recursive: false }, { syscall: 'mkdtemp', path: `${p}XXXXXX` });
          return path;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      throw uvError('EEXIST', 'mkdtemp', `${p}XXXXXX`);
    },
    rmdirSync(path: unknown, options?: unknown): void {
      if (optionsOf(options, {}).recursive === true) rmSync(path, { recursive: true });
      else pathOp('rmdir', 'rmdir')(path);
    },
    rmSync,
    unlinkSync: pathOp('unlink', 'unlink'),
    renameSync(oldPath: unknown, newPath: unknown): void {
      const from = toPath(oldPath, 'oldPath');
      const to = toPath(newPath, 'newPath');
      host.call('rename', { path: from, dest: to }, { syscall: 'rename', path: from, dest: to });
    },
    copyFileSync(src: unknown, dest: unknown, mode?: unknown): void {
      const from = toPath(src, 'src');
      const to = toPath(dest, 'dest');
      const exclusive = typeof mode === 'number' && (mode & constants.COPYFILE_EXCL) !== 0;
      host.call(
        'copyFile',
        { path: from, dest: to, exclusive },
        { syscall: 'copyfile', path: from, dest: to },
      );
    },
    truncateSync(path: unknown, len?: unknown): void {
      if (typeof path === 'number') {
        ftruncateSync(path, len);
        return;
      }
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, len);
      } finally {
        closeSync(fd);
      }
    },
    ftruncateSync,
    fsyncSync(fd: unknown): void {
      host.call('fsync', { fd: toFd(fd) }, { syscall: 'fsync' });
    },
    fdatasyncSync(fd: unknown): void {
      host.call('fsync', { fd: toFd(fd) }, { syscall: 'fdatasync' });
    },
    utimesSync(path: unknown, atime: unknown, mtime: unknown): void {
      utimes(path, { atime: toSeconds(atime, 'atime'), mtime: toSeconds(mtime, 'mtime') });
    },
    lutimesSync(path: unknown, atime: unknown, mtime: unknown): void {
      utimes(path, { atime: toSeconds(atime, 'atime'), mtime: toSeconds(mtime, 'mtime') });
    },
    futimesSync(fd: unknown, atime: unknown, mtime: unknown): void {
      host.call(
        'futimes',
        { fd: toFd(fd), atime: toSeconds(atime, 'atime'), mtime: toSeconds(mtime, 'mtime') },
        { syscall: 'futime' },
      );
    },
    // Modes and owners are not kept: these only check that the path exists and may be changed.
    chmodSync: (path: unknown, _mode?: unknown) => chmod(path),
    lchmodSync: (path: unknown, _mode?: unknown) => chmod(path),
    chownSync: (path: unknown, _uid?: unknown, _gid?: unknown) => chmod(path),
    lchownSync: (path: unknown, _uid?: unknown, _gid?: unknown) => chmod(path),
    fchmodSync(fd: unknown, _mode?: unknown): void {
      host.call('fstat', { fd: toFd(fd) }, { syscall: 'fchmod' });
    },
    fchownSync(fd: unknown, _uid?: unknown, _gid?: unknown): void {
      host.call('fstat', { fd: toFd(fd) }, { syscall: 'fchown' });
    },
    realpathSync,
    // islet's file system has no links: creating one is refused, and nothing is one.
    symlinkSync(target: unknown, path: unknown, _type?: unknown): void {
      throw uvError('EPERM', 'symlink', toPath(target, 'target'), toPath(path));
    },
    linkSync(existingPath: unknown, newPath: unknown): void {
      throw uvError('EPERM', 'link', toPath(existingPath, 'existingPath'), toPath(newPath, 'newPath'));
    },
    readlinkSync(path: unknown, _options?: unknown): string {
      const p = toPath(path);
      stat(p, 'readlink');
      throw uvError('EINVAL', 'readlink', p);
    },
  };
}

/** The synchronous API object. */
export type SyncApi = ReturnType<typeof createSync>;
