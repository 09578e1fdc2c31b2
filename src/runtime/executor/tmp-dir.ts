import {
  closeSync,
  copyFileSync,
  constants as hostConstants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  type Stats,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';

/**
 * One execution environment's file system, as its function's `fs` sees it: a writable /tmp backed
 * by a host directory `<data>/tmp/<executor pid>-<environment id>` (created on first use, removed
 * with the environment), and the function's own code under /var/task, read-only. Every other path
 * is EACCES. Operations are synchronous host calls (fs.readFileSync must be synchronous in the
 * sandbox); file descriptors are virtual (an entry naming a path), so an environment never holds
 * host descriptors between calls.
 *
 * Wire format (src/shims/fs/host.ts is the other side): `op(name, argsJson, bytes?)` answers JSON
 * text, `{"$err": CODE}` for a failure, or an ArrayBuffer for `read`.
 */

/** Limits of one environment's /tmp, beyond its EphemeralStorage size. */
export const tmpLimits = {
  /** Most bytes one host call reads or writes; the sandbox splits bigger reads and writes. */
  maxChunkBytes: 1024 * 1024,
  /** Most files and directories in one /tmp. */
  maxEntries: 20_000,
  /** Most open file descriptors per environment (Lambda's limit). */
  maxOpenFiles: 1024,
  /** Longest path accepted, in characters. */
  maxPathChars: 4096,
};

/** Linux open(2) flag bits as the sandbox sends them (independent of the host's own constants). */
const O = { WRONLY: 1, RDWR: 2, CREAT: 64, EXCL: 128, TRUNC: 512, APPEND: 1024 } as const;

/**
 * A failure reported to the sandbox as an errno code, plus the syscall when it is not the op's
 * (`bare`: Node names no path for it, as for a failed write).
 */
class FsFailure extends Error {
  constructor(
    readonly code: string,
    readonly syscall?: string,
    readonly bare?: boolean,
  ) {
    super(code);
  }
}

const fail = (code: string, syscall?: string, bare?: boolean): never => {
  throw new FsFailure(code, syscall, bare);
};

/** A path inside the sandbox, mapped to the host. */
interface Place {
  area: 'tmp' | 'task';
  /** Normalised sandbox path. */
  path: string;
  host: string;
}

interface OpenFile {
  place: Place;
  readable: boolean;
  writable: boolean;
  append: boolean;
  position: number;
}

type Args = Record<string, unknown>;

/** One environment's /tmp and /var/task as its `fs` sees them. */
export class TmpDir {
  private created = false;
  private usedBytes = 0;
  private entries = 0;
  private readonly files = new Map<number, OpenFile>();

  constructor(
    /** Host directory backing /tmp (created on first use). */
    readonly dir: string,
    /** Host directory of the function's unpacked code (/var/task). */
    private readonly codeDir: string,
    /** EphemeralStorage size in bytes. */
    private readonly quotaBytes: number,
  ) {}

  /** Bytes and entries currently accounted (for tests and diagnostics). */
  usage(): { bytes: number; entries: number; openFiles: number } {
    return { bytes: this.usedBytes, entries: this.entries, openFiles: this.files.size };
  }

  /** Runs one operation; never throws: failures are answered as `{"$err": CODE}`. */
  op(name: string, argsJson: string, data: Uint8Array | undefined): string | Uint8Array {
    try {
      const args = JSON.parse(argsJson) as Args;
      const out = this.dispatch(name, args, data);
      return out instanceof Uint8Array ? out : JSON.stringify(out ?? null);
    } catch (e) {
      if (e instanceof FsFailure) return JSON.stringify({ $err: e.code, syscall: e.syscall, bare: e.bare });
      const code = (e as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
        // A mutation that failed half-way (rare: the host disk itself) leaves the tally unknown.
        if (mutating.has(name)) this.recount();
        return JSON.stringify({ $err: code });
      }
      return JSON.stringify({ $err: 'EIO' });
    }
  }

  /** Runs `fn`, reporting any failure as one of `syscall` without a path. */
  private asBare<T>(syscall: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FsFailure) throw new FsFailure(e.code, syscall, true);
      this.recount(); // the host disk failed half-way: the tally is unknown
      const code = (e as NodeJS.ErrnoException).code;
      throw new FsFailure(typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'EIO', syscall, true);
    }
  }

  /** Removes the directory and forgets every open file (the environment is gone). */
  remove(): void {
    this.files.clear();
    if (this.created) rmSync(this.dir, { recursive: true, force: true });
    this.created = false;
    this.usedBytes = 0;
    this.entries = 0;
  }

  private dispatch(name: string, a: Args, data: Uint8Array | undefined): unknown {
    switch (name) {
      case 'open':
        return this.open(this.place(a.path), Number(a.flags));
      // Whole-file shortcuts: one call per chunk instead of open, fstat, read or write, close.
      case 'readFile': {
        const f = this.prepare(this.place(a.path), Number(a.flags), false);
        if (lstatSync(f.place.host).isDirectory()) fail('EISDIR', 'read', true);
        return this.asBare('read', () => this.read(f, Number(a.length), nullableNumber(a.offset) ?? 0));
      }
      case 'writeFile': {
        const f = this.prepare(this.place(a.path), Number(a.flags), false);
        return this.asBare('write', () => this.write(f, data ?? new Uint8Array(0), null));
      }
      case 'close':
        this.file(a.fd);
        this.files.delete(Number(a.fd));
        return null;
      case 'read':
        return this.read(this.file(a.fd), Number(a.length), nullableNumber(a.position));
      case 'write':
        return this.write(this.file(a.fd), data ?? new Uint8Array(0), nullableNumber(a.position));
      case 'fstat':
        return statsOf(this.file(a.fd).place);
      case 'fsync':
        this.file(a.fd);
        return null;
      case 'ftruncate': {
        const f = this.file(a.fd);
        if (!f.writable) fail('EINVAL');
        return this.truncate(f.place, Number(a.length));
      }
      case 'futimes':
        return this.utimes(this.file(a.fd).place, Number(a.atime), Number(a.mtime));
      case 'stat':
        return statsOf(this.place(a.path));
      case 'readdir':
        return this.readdir(this.place(a.path), a.recursive === true);
      case 'mkdir':
        return this.mkdir(this.place(a.path), a.recursive === true);
      case 'rmdir':
        return this.rmdir(this.place(a.path));
      case 'unlink':
        return this.unlink(this.place(a.path));
      case 'rm':
        return this.rm(this.place(a.path), a.recursive === true, a.force === true);
      case 'rename':
        return this.rename(this.place(a.path), this.place(a.dest));
      case 'copyFile':
        return this.copyFile(this.place(a.path), this.place(a.dest), a.exclusive === true);
      case 'truncate':
        return this.truncate(this.place(a.path), Number(a.length));
      case 'utimes':
        return this.utimes(this.place(a.path), Number(a.atime), Number(a.mtime));
      case 'access':
        return this.access(this.place(a.path), Number(a.mode));
      case 'chmod':
        statsOf(this.writablePlace(a.path));
        return null;
      default:
        return fail('ENOSYS');
    }
  }

  /** Maps a sandbox path: /tmp/... to the environment's directory, /var/task/... to the code. */
  private place(value: unknown): Place {
    if (typeof value !== 'string' || value.includes('\0')) return fail('EINVAL');
    if (value.length > tmpLimits.maxPathChars) return fail('ENAMETOOLONG');
    let p = posix.normalize(value.startsWith('/') ? value : `/var/task/${value}`);
    if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    if (p === '/tmp' || p.startsWith('/tmp/')) {
      this.ensureDir();
      return { area: 'tmp', path: p, host: join(this.dir, p.slice(4)) };
    }
    if (p === '/var/task' || p.startsWith('/var/task/')) {
      return { area: 'task', path: p, host: join(this.codeDir, p.slice(9)) };
    }
    return fail('EACCES');
  }

  /** A place that may be changed: /var/task is read-only. */
  private writablePlace(value: unknown): Place {
    const place = this.place(value);
    if (place.area === 'task') fail('EROFS');
    return place;
  }

  private ensureDir(): void {
    if (this.created) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.created = true;
  }

  private file(fd: unknown): OpenFile {
    const f = this.files.get(Number(fd));
    if (!f) return fail('EBADF');
    return f;
  }

  private open(place: Place, flags: number): { fd: number } {
    const file = this.prepare(place, flags, true);
    let fd = 3;
    while (this.files.has(fd)) fd++;
    this.files.set(fd, file);
    return { fd };
  }

  /** open(2)'s checks and effects (create, truncate); `forFd` also checks the descriptor limit. */
  private prepare(place: Place, flags: number, forFd: boolean): OpenFile {
    const access = flags & 3;
    const writable = access === O.WRONLY || access === O.RDWR;
    const st = lstatOrUndefined(place.host);
    if (st && flags & O.CREAT && flags & O.EXCL) fail('EEXIST');
    if (!st && !(flags & O.CREAT)) fail('ENOENT');
    if (place.area === 'task' && (writable || flags & O.TRUNC || !st)) fail('EROFS');
    if (forFd && this.files.size >= tmpLimits.maxOpenFiles) fail('EMFILE');
    if (st?.isDirectory() && (writable || flags & O.TRUNC)) fail('EISDIR');
    if (!st) {
      this.reserveEntries(1);
      closeSync(openSync(place.host, 'wx', 0o644));
      this.entries++;
    } else if (flags & O.TRUNC && st.isFile() && st.size > 0) {
      truncateSync(place.host, 0);
      this.usedBytes -= st.size;
    }
    return { place, readable: access !== O.WRONLY, writable, append: (flags & O.APPEND) !== 0, position: 0 };
  }

  private read(f: OpenFile, length: number, position: number | null): Uint8Array {
    if (!f.readable) fail('EBADF');
    const size = Math.max(0, Math.min(tmpLimits.maxChunkBytes, Math.floor(length) || 0));
    const at = position ?? f.position;
    const buf = new Uint8Array(size);
    const fd = openSync(f.place.host, hostConstants.O_RDONLY | hostConstants.O_NOFOLLOW);
    let n: number;
    try {
      n = size === 0 ? 0 : readSync(fd, buf, 0, size, at);
    } finally {
      closeSync(fd);
    }
    if (position === null) f.position = at + n;
    return n === size ? buf : buf.subarray(0, n);
  }

  private write(f: OpenFile, data: Uint8Array, position: number | null): { bytesWritten: number } {
    if (!f.writable) fail('EBADF');
    if (data.byteLength > tmpLimits.maxChunkBytes) fail('EINVAL');
    const st = lstatOrUndefined(f.place.host);
    if (!st) return fail('ENOENT');
    if (!st.isFile()) return fail('EISDIR');
    const at = f.append ? st.size : (position ?? f.position);
    const growth = Math.max(st.size, at + data.byteLength) - st.size;
    this.reserveBytes(growth);
    const fd = openSync(f.place.host, hostConstants.O_WRONLY | hostConstants.O_NOFOLLOW);
    try {
      writeSync(fd, data, 0, data.byteLength, at);
    } finally {
      closeSync(fd);
    }
    this.usedBytes += growth;
    if (position === null || f.append) f.position = at + data.byteLength;
    return { bytesWritten: data.byteLength };
  }

  private truncate(place: Place, length: number): null {
    if (place.area === 'task') fail('EROFS');
    if (!Number.isSafeInteger(length) || length < 0) fail('EINVAL');
    const st = lstatSync(place.host);
    if (!st.isFile()) fail('EISDIR');
    this.reserveBytes(length - st.size);
    truncateSync(place.host, length);
    this.usedBytes += length - st.size;
    return null;
  }

  private utimes(place: Place, atime: number, mtime: number): null {
    if (place.area === 'task') fail('EROFS');
    utimesSync(place.host, atime, mtime);
    return null;
  }

  private access(place: Place, mode: number): null {
    const st = lstatSync(place.host);
    if (mode & 2 && place.area === 'task') fail('EROFS');
    if (mode & 1 && st.isFile() && !(st.mode & 0o111)) fail('EACCES');
    return null;
  }

  private readdir(place: Place, recursive: boolean): Array<[string, string]> {
    const st = lstatSync(place.host);
    if (!st.isDirectory()) fail('ENOTDIR', 'scandir');
    const out: Array<[string, string]> = [];
    for (const d of readdirSync(place.host, { withFileTypes: true, recursive })) {
      const rel = posix.relative(place.host, join(d.parentPath, d.name));
      out.push([rel, d.isFile() ? 'f' : d.isDirectory() ? 'd' : 'o']);
    }
    return out;
  }

  private mkdir(place: Place, recursive: boolean): string | null {
    if (place.area === 'task' || place.path === '/tmp') {
      if (lstatOrUndefined(place.host)) {
        if (recursive) return null;
        fail('EEXIST');
      }
      fail('EROFS');
    }
    if (!recursive) {
      this.reserveEntries(1);
      mkdirSync(place.host, { mode: 0o755 });
      this.entries++;
      return null;
    }
    // Count the directories that do not exist yet, deepest existing ancestor first.
    const parts = place.path.slice(5).split('/');
    let missing = 0;
    let first: string | null = null;
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      const st = missing ? undefined : lstatOrUndefined(join(this.dir, sub));
      if (st && !st.isDirectory()) fail('ENOTDIR');
      if (!st) {
        missing++;
        first ??= `/tmp/${sub}`;
      }
    }
    if (missing === 0) return null;
    this.reserveEntries(missing);
    mkdirSync(place.host, { recursive: true, mode: 0o755 });
    this.entries += missing;
    return first;
  }

  private rmdir(place: Place): null {
    if (place.area === 'task') fail('EROFS');
    if (place.path === '/tmp') fail('EBUSY');
    rmdirSync(place.host);
    this.entries--;
    return null;
  }

  private unlink(place: Place): null {
    if (place.area === 'task') fail('EROFS');
    const st = lstatSync(place.host);
    if (st.isDirectory()) fail('EISDIR');
    unlinkSync(place.host);
    this.usedBytes -= st.size;
    this.entries--;
    return null;
  }

  private rm(place: Place, recursive: boolean, force: boolean): null {
    const st = lstatOrUndefined(place.host);
    if (!st) {
      if (force) return null;
      fail('ENOENT', 'lstat');
    }
    if (place.area === 'task') fail('EROFS');
    if (st?.isDirectory() && !recursive) fail('EISDIR');
    if (place.path === '/tmp') {
      // /tmp itself stays (it is a mount point in Lambda): its contents go, then EBUSY.
      for (const name of readdirSync(place.host)) rmSync(join(place.host, name), { recursive: true });
      this.usedBytes = 0;
      this.entries = 0;
      fail('EBUSY', 'rmdir');
    }
    const t = tally(place.host);
    rmSync(place.host, { recursive: true });
    this.usedBytes -= t.bytes;
    this.entries -= t.entries;
    return null;
  }

  private rename(from: Place, to: Place): null {
    if (from.area === 'task' || to.area === 'task') fail('EROFS');
    if (from.path === '/tmp' || to.path === '/tmp') fail('EBUSY');
    lstatSync(from.host);
    const replaced = lstatOrUndefined(to.host) ? tally(to.host) : undefined;
    renameSync(from.host, to.host);
    if (replaced && from.host !== to.host) {
      this.usedBytes -= replaced.bytes;
      this.entries -= replaced.entries;
    }
    return null;
  }

  private copyFile(from: Place, to: Place, exclusive: boolean): null {
    if (to.area === 'task') fail('EROFS');
    const src = lstatSync(from.host);
    if (src.isDirectory()) fail('EISDIR');
    const dest = lstatOrUndefined(to.host);
    if (dest && exclusive) fail('EEXIST');
    if (dest?.isDirectory()) fail('EISDIR');
    if (from.host === to.host) return null;
    if (!dest) this.reserveEntries(1);
    const growth = src.size - (dest?.size ?? 0);
    this.reserveBytes(growth);
    copyFileSync(from.host, to.host, exclusive ? hostConstants.COPYFILE_EXCL : 0);
    this.usedBytes += growth;
    if (!dest) this.entries++;
    return null;
  }

  private reserveBytes(growth: number): void {
    if (growth > 0 && this.usedBytes + growth > this.quotaBytes) fail('ENOSPC');
  }

  private reserveEntries(n: number): void {
    if (this.entries + n > tmpLimits.maxEntries) fail('ENOSPC');
  }

  /** Recomputes the tally from the directory itself. */
  private recount(): void {
    if (!this.created) return;
    const t = tally(this.dir);
    this.usedBytes = t.bytes;
    this.entries = t.entries - 1;
  }
}

/** Operations that change the tally. */
const mutating = new Set([
  'open',
  'writeFile',
  'write',
  'ftruncate',
  'truncate',
  'mkdir',
  'rmdir',
  'unlink',
  'rm',
  'rename',
  'copyFile',
]);

function nullableNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function lstatOrUndefined(host: string): Stats | undefined {
  return lstatSync(host, { throwIfNoEntry: false });
}

/** File bytes and entries (itself included) under a host path. */
function tally(host: string): { bytes: number; entries: number } {
  const st = lstatSync(host);
  if (!st.isDirectory()) return { bytes: st.size, entries: 1 };
  let bytes = 0;
  let entries = 1;
  for (const d of readdirSync(host, { withFileTypes: true, recursive: true })) {
    entries++;
    if (d.isFile()) bytes += lstatSync(join(d.parentPath, d.name)).size;
  }
  return { bytes, entries };
}

/** Stats as the sandbox builds them; the code looks read-only, owners are Lambda's sandbox user. */
function statsOf(place: Place): Record<string, unknown> {
  const st = lstatSync(place.host);
  const type = st.isFile() ? 'f' : st.isDirectory() ? 'd' : 'o';
  return {
    type,
    mode: place.area === 'task' ? st.mode & ~0o222 : st.mode,
    size: type === 'd' ? 4096 : st.size,
    ino: st.ino,
    nlink: st.nlink,
    atimeMs: st.atimeMs,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    birthtimeMs: st.birthtimeMs,
  };
}

/** Where the environments of every executor keep their /tmp, under the data dir. */
export function tmpRoot(dataDir: string): string {
  return join(dataDir, 'tmp');
}

/** Removes every environment's /tmp (server start and stop: no environment is alive then). */
export function removeAllTmpDirs(dataDir: string): void {
  rmSync(tmpRoot(dataDir), { recursive: true, force: true });
}

/** Removes the /tmp directories of one executor process that has exited. */
export function removeExecutorTmpDirs(dataDir: string, pid: number): void {
  let names: string[];
  try {
    names = readdirSync(tmpRoot(dataDir));
  } catch {
    return;
  }
  for (const name of names)
    if (name.startsWith(`${pid}-`)) rmSync(join(tmpRoot(dataDir), name), { recursive: true, force: true });
}
