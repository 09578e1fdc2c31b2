import { Buffer } from 'buffer';
import { invalidArgType, isArgError } from './errors';
import type { SyncApi } from './sync';

type Callback = (err: unknown, ...results: unknown[]) => void;
type AnyFn = (...args: any[]) => unknown;

/**
 * The callback forms (fs.readFile(path, cb), ...). The work is done at once (it is a synchronous
 * host call either way); the callback runs on a later turn, as in Node, so a throw inside it is an
 * uncaught exception of the invocation. Argument errors are thrown, as Node throws them.
 */
export function createCallbacks(sync: SyncApi, later: (fn: () => void) => void) {
  const run = (cb: unknown, work: () => unknown[]) => {
    if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
    let results: unknown[];
    try {
      results = work();
    } catch (e) {
      if (isArgError(e)) throw e;
      later(() => (cb as Callback)(e));
      return;
    }
    later(() => (cb as Callback)(null, ...results));
  };
  /** fs.X(...args, cb) from fs.XSync(...args). */
  const wrap =
    (fn: AnyFn) =>
    (...args: unknown[]): void => {
      const cb = args.pop();
      run(cb, () => {
        const r = fn(...args);
        return r === undefined ? [] : [r];
      });
    };

  return {
    open: wrap(sync.openSync),
    close: (fd: unknown, cb?: unknown) =>
      run(cb ?? (() => undefined), () => {
        sync.closeSync(fd);
        return [];
      }),
    readFile: wrap(sync.readFileSync),
    writeFile: wrap(sync.writeFileSync),
    appendFile: wrap(sync.appendFileSync),
    stat: wrap(sync.statSync),
    lstat: wrap(sync.lstatSync),
    fstat: wrap(sync.fstatSync),
    access: wrap(sync.accessSync),
    readdir: wrap(sync.readdirSync),
    mkdir: wrap(sync.mkdirSync),
    mkdtemp: wrap(sync.mkdtempSync),
    rmdir: wrap(sync.rmdirSync),
    rm: wrap(sync.rmSync),
    unlink: wrap(sync.unlinkSync),
    rename: wrap(sync.renameSync),
    copyFile: wrap(sync.copyFileSync),
    truncate: wrap(sync.truncateSync),
    ftruncate: wrap(sync.ftruncateSync),
    fsync: wrap(sync.fsyncSync),
    fdatasync: wrap(sync.fdatasyncSync),
    utimes: wrap(sync.utimesSync),
    lutimes: wrap(sync.lutimesSync),
    futimes: wrap(sync.futimesSync),
    chmod: wrap(sync.chmodSync),
    lchmod: wrap(sync.lchmodSync),
    fchmod: wrap(sync.fchmodSync),
    chown: wrap(sync.chownSync),
    lchown: wrap(sync.lchownSync),
    fchown: wrap(sync.fchownSync),
    realpath: Object.assign(wrap(sync.realpathSync), { native: wrap(sync.realpathSync) }),
    symlink: wrap(sync.symlinkSync),
    link: wrap(sync.linkSync),
    readlink: wrap(sync.readlinkSync),
    /** fs.exists(path, cb): cb(boolean), no error argument (deprecated in Node, still common). */
    exists(path: unknown, cb: unknown): void {
      if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb);
      const found = sync.existsSync(path);
      later(() => (cb as (found: boolean) => void)(found));
    },
    /** fs.read(fd, buffer, offset, length, position, cb) or fs.read(fd, [options,] cb): cb(err, bytesRead, buffer). */
    read(fd: unknown, ...rest: unknown[]): void {
      const cb = rest.pop();
      let buffer = rest[0];
      let args = rest.slice(1);
      if (!ArrayBuffer.isView(buffer)) {
        const o = (buffer ?? {}) as Record<string, unknown>;
        buffer = o.buffer ?? Buffer.alloc(16384);
        args = [{ offset: o.offset, length: o.length, position: o.position }];
      }
      run(cb, () => [sync.readSync(fd, buffer, ...args), buffer]);
    },
    /** fs.write(fd, buffer|string, ..., cb): cb(err, bytesWritten, buffer|string). */
    write(fd: unknown, data: unknown, ...rest: unknown[]): void {
      const cb = rest.pop();
      run(cb, () => [sync.writeSync(fd, data, ...rest), data]);
    },
  };
}
