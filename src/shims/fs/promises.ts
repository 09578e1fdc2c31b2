import { Buffer } from 'buffer';
import { constants } from './constants';
import type { StreamClasses } from './streams';
import { encodingOf, optionsOf, type SyncApi } from './sync';

type AnyFn = (...args: any[]) => unknown;

/** `fs.promises` (also `require('fs/promises')`): the synchronous work, answered as promises. */
export function createPromises(sync: SyncApi, streams: () => StreamClasses) {
  const wrap =
    <F extends AnyFn>(fn: F) =>
    (...args: Parameters<F>): Promise<ReturnType<F>> =>
      new Promise((resolve) => resolve(fn(...args) as ReturnType<F>));

  /** `FileHandle`: what fs.promises.open resolves to. */
  class FileHandle {
    constructor(public fd: number) {}

    async close(): Promise<void> {
      if (this.fd < 0) return;
      const fd = this.fd;
      this.fd = -1;
      sync.closeSync(fd);
    }

    async [Symbol.asyncDispose](): Promise<void> {
      await this.close();
    }

    async read(
      bufferOrOptions?: unknown,
      offset?: unknown,
      length?: unknown,
      position?: unknown,
    ): Promise<{ bytesRead: number; buffer: unknown }> {
      let buffer = bufferOrOptions;
      let rest: unknown[] = [offset, length, position];
      if (!ArrayBuffer.isView(buffer)) {
        const o = (buffer ?? {}) as Record<string, unknown>;
        buffer = o.buffer ?? Buffer.alloc(16384);
        rest = [{ offset: o.offset, length: o.length, position: o.position }];
      } else if (offset !== null && typeof offset === 'object') {
        rest = [offset];
      }
      return { bytesRead: sync.readSync(this.fd, buffer, ...rest), buffer };
    }

    async write(data: unknown, ...rest: unknown[]): Promise<{ bytesWritten: number; buffer: unknown }> {
      return { bytesWritten: sync.writeSync(this.fd, data, ...rest), buffer: data };
    }

    async readFile(options?: unknown): Promise<string | Buffer> {
      const encoding = encodingOf(optionsOf(options, {}).encoding);
      const buf = sync.readAll(this.fd);
      return encoding && encoding !== 'buffer' ? buf.toString(encoding) : buf;
    }

    async writeFile(data: unknown, options?: unknown): Promise<void> {
      sync.writeFileSync(this.fd, data, options);
    }

    async appendFile(data: unknown, options?: unknown): Promise<void> {
      sync.appendFileSync(this.fd, data, options);
    }

    async stat(_options?: unknown) {
      return sync.fstatSync(this.fd);
    }

    async truncate(len?: unknown): Promise<void> {
      sync.ftruncateSync(this.fd, len);
    }

    async sync(): Promise<void> {
      sync.fsyncSync(this.fd);
    }

    async datasync(): Promise<void> {
      sync.fdatasyncSync(this.fd);
    }

    async utimes(atime: unknown, mtime: unknown): Promise<void> {
      sync.futimesSync(this.fd, atime, mtime);
    }

    async chmod(mode: unknown): Promise<void> {
      sync.fchmodSync(this.fd, mode);
    }

    async chown(uid: unknown, gid: unknown): Promise<void> {
      sync.fchownSync(this.fd, uid, gid);
    }

    createReadStream(options?: Record<string, unknown>) {
      return new (streams().ReadStream)(undefined, { ...options, fd: this.fd });
    }

    createWriteStream(options?: Record<string, unknown>) {
      return new (streams().WriteStream)(undefined, { ...options, fd: this.fd });
    }
  }

  /** readFile/writeFile/appendFile take a FileHandle where the sync forms take an fd. */
  const handleOrPath = (v: unknown) => (v instanceof FileHandle ? v.fd : v);

  return {
    open: async (path: unknown, flags?: unknown, mode?: unknown) =>
      new FileHandle(sync.openSync(path, flags, mode)),
    readFile: async (path: unknown, options?: unknown) => sync.readFileSync(handleOrPath(path), options),
    writeFile: async (path: unknown, data: unknown, options?: unknown) =>
      sync.writeFileSync(handleOrPath(path), data, options),
    appendFile: async (path: unknown, data: unknown, options?: unknown) =>
      sync.appendFileSync(handleOrPath(path), data, options),
    access: wrap(sync.accessSync),
    stat: wrap(sync.statSync),
    lstat: wrap(sync.lstatSync),
    readdir: wrap(sync.readdirSync),
    mkdir: wrap(sync.mkdirSync),
    mkdtemp: wrap(sync.mkdtempSync),
    rmdir: wrap(sync.rmdirSync),
    rm: wrap(sync.rmSync),
    unlink: wrap(sync.unlinkSync),
    rename: wrap(sync.renameSync),
    copyFile: wrap(sync.copyFileSync),
    truncate: wrap(sync.truncateSync),
    utimes: wrap(sync.utimesSync),
    lutimes: wrap(sync.lutimesSync),
    chmod: wrap(sync.chmodSync),
    lchmod: wrap(sync.lchmodSync),
    chown: wrap(sync.chownSync),
    lchown: wrap(sync.lchownSync),
    realpath: wrap(sync.realpathSync),
    symlink: wrap(sync.symlinkSync),
    link: wrap(sync.linkSync),
    readlink: wrap(sync.readlinkSync),
    constants,
    FileHandle,
  };
}
