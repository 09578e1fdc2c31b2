import { Buffer } from 'buffer';
import type { EventEmitter } from 'events';
import type { StringDecoder } from 'string_decoder';
import { argError } from './errors';
import { toPath } from './paths';
import { optionsOf, type SyncApi, toBytes } from './sync';

/**
 * fs.ReadStream and fs.WriteStream, made for a sandbox without the `stream` module: EventEmitters
 * with the events and methods most code uses ('open', 'ready', 'data', 'end', 'finish', 'error',
 * 'close'; pause/resume, setEncoding, pipe, destroy, async iteration). Each chunk is read or written
 * with the synchronous calls, one chunk per turn of the event loop. Not provided: the pull mode
 * (read() and 'readable'), objectMode, and stream.pipeline/finished (there is no `stream`).
 */
export function createStreamClasses(
  Emitter: typeof EventEmitter,
  sync: SyncApi,
  later: (fn: () => void) => void,
  stringDecoder: () => typeof StringDecoder,
) {
  type Options = Record<string, unknown>;
  type Done = ((err?: unknown) => void) | undefined;

  const fdOption = (o: Options): number | null => {
    const fd = o.fd as number | { fd: number } | undefined;
    return typeof fd === 'number' ? fd : typeof fd?.fd === 'number' ? fd.fd : null;
  };

  /** The rest of destroy(), one turn later: the descriptor it owns closed, then 'error' and 'close'. */
  const finishDestroy = (
    s: { fd: number | null; closed: boolean; emit(event: string, ...args: unknown[]): boolean },
    autoClose: boolean,
    emitClose: boolean,
    err: unknown,
  ) =>
    later(() => {
      if (s.fd !== null && autoClose) {
        try {
          sync.closeSync(s.fd);
        } catch {}
        s.fd = null;
      }
      s.closed = true;
      if (err) s.emit('error', err);
      if (emitClose) s.emit('close');
    });

  class ReadStream extends Emitter {
    path: string | undefined;
    fd: number | null;
    flags: unknown;
    start: number | undefined;
    end: number;
    pos: number | undefined;
    bytesRead = 0;
    pending = true;
    readable = true;
    destroyed = false;
    closed = false;
    readableEnded = false;
    readableFlowing: boolean | null = null;
    readonly readableHighWaterMark: number;
    private readonly autoClose: boolean;
    private readonly emitClose: boolean;
    private decoder: StringDecoder | undefined;
    private scheduled = false;

    constructor(path: unknown, options?: unknown) {
      super();
      const o = optionsOf(options, {});
      this.fd = fdOption(o);
      this.path = this.fd === null ? toPath(path) : undefined;
      this.flags = o.flags ?? 'r';
      this.start = typeof o.start === 'number' ? o.start : undefined;
      this.end = typeof o.end === 'number' ? o.end : Number.POSITIVE_INFINITY;
      if (this.start !== undefined && this.start > this.end) {
        throw argError(
          RangeError,
          'ERR_OUT_OF_RANGE',
          `The value of "start" is out of range. It must be <= "end" (here: ${this.end}). Received ${this.start}`,
        );
      }
      this.pos = this.start;
      this.readableHighWaterMark = typeof o.highWaterMark === 'number' ? Math.max(1, o.highWaterMark) : 65536;
      this.autoClose = o.autoClose !== false;
      this.emitClose = o.emitClose !== false;
      if (typeof o.encoding === 'string') this.setEncoding(o.encoding);
      later(() => this.open());
    }

    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      super.on(event, listener);
      if (event === 'data' && this.readableFlowing !== false) this.resume();
      return this;
    }

    override addListener(event: string | symbol, listener: (...args: any[]) => void): this {
      return this.on(event, listener);
    }

    resume(): this {
      this.readableFlowing = true;
      this.schedule();
      return this;
    }

    pause(): this {
      this.readableFlowing = false;
      return this;
    }

    isPaused(): boolean {
      return this.readableFlowing === false;
    }

    setEncoding(encoding: string): this {
      this.decoder = new (stringDecoder())(encoding as BufferEncoding);
      return this;
    }

    /** Sends every chunk to `dest` (anything with write/end); `{end: false}` leaves it open. */
    pipe<T extends { write(chunk: unknown): unknown; end(): unknown }>(
      dest: T,
      options?: { end?: boolean },
    ): T {
      const target = dest as T & Partial<EventEmitter>;
      this.on('data', (chunk) => {
        if (target.write(chunk) === false && typeof target.once === 'function') {
          this.pause();
          target.once('drain', () => this.resume());
        }
      });
      if (options?.end !== false) this.once('end', () => target.end());
      target.emit?.('pipe', this);
      return dest;
    }

    destroy(err?: unknown): this {
      if (this.destroyed) return this;
      this.destroyed = true;
      this.readable = false;
      finishDestroy(this, this.autoClose, this.emitClose, err);
      return this;
    }

    close(cb?: (err?: unknown) => void): void {
      if (cb) this.once('close', () => cb());
      this.destroy();
    }

    [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
      const queue: unknown[] = [];
      let ended = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      const notify = () => {
        wake?.();
        wake = undefined;
      };
      this.on('data', (chunk) => {
        queue.push(chunk);
        this.pause();
        notify();
      });
      this.once('end', () => {
        ended = true;
        notify();
      });
      this.once('error', (e) => {
        failure = e;
        notify();
      });
      const stream = this;
      return {
        async next(): Promise<IteratorResult<unknown>> {
          for (;;) {
            if (queue.length) return { value: queue.shift(), done: false };
            if (failure) throw failure;
            if (ended) return { value: undefined, done: true };
            stream.resume();
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<unknown>> {
          stream.destroy();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    }

    private open(): void {
      if (this.destroyed) return;
      if (this.fd === null) {
        try {
          this.fd = sync.openSync(this.path, this.flags);
        } catch (e) {
          this.destroy(e);
          return;
        }
      }
      this.pending = false;
      this.emit('open', this.fd);
      this.emit('ready');
      this.schedule();
    }

    private schedule(): void {
      if (this.scheduled || this.pending || this.destroyed || this.readableEnded || !this.readableFlowing)
        return;
      this.scheduled = true;
      later(() => {
        this.scheduled = false;
        this.flow();
      });
    }

    private flow(): void {
      if (!this.readableFlowing || this.destroyed || this.readableEnded) return;
      let chunk: Buffer | undefined;
      try {
        chunk = this.readChunk();
      } catch (e) {
        this.destroy(e);
        return;
      }
      if (!chunk) {
        const rest = this.decoder?.end();
        if (rest) this.emit('data', rest);
        this.readableEnded = true;
        this.readable = false;
        this.emit('end');
        if (this.autoClose) this.destroy();
        return;
      }
      this.emit('data', this.decoder ? this.decoder.write(chunk) : chunk);
      this.schedule();
    }

    private readChunk(): Buffer | undefined {
      const left = this.end - (this.pos ?? this.bytesRead) + 1;
      const n = Math.min(this.readableHighWaterMark, left);
      if (n <= 0) return undefined;
      const buf = Buffer.allocUnsafe(n);
      const got = sync.readSync(this.fd, buf, 0, n, this.pos ?? null);
      if (got === 0) return undefined;
      if (this.pos !== undefined) this.pos += got;
      this.bytesRead += got;
      return got < n ? buf.slice(0, got) : buf;
    }
  }

  class WriteStream extends Emitter {
    path: string | undefined;
    fd: number | null;
    flags: unknown;
    start: number | undefined;
    pos: number | undefined;
    bytesWritten = 0;
    pending = true;
    writable = true;
    destroyed = false;
    closed = false;
    writableEnded = false;
    writableFinished = false;
    readonly writableHighWaterMark = 16384;
    readonly writableLength = 0;
    readonly writableNeedDrain = false;
    private readonly autoClose: boolean;
    private readonly emitClose: boolean;
    private defaultEncoding: BufferEncoding;
    private queue: Array<[Uint8Array, Done]> = [];

    constructor(path: unknown, options?: unknown) {
      super();
      const o = optionsOf(options, {});
      this.fd = fdOption(o);
      this.path = this.fd === null ? toPath(path) : undefined;
      this.flags = o.flags ?? 'w';
      this.start = typeof o.start === 'number' ? o.start : undefined;
      this.pos = this.start;
      this.autoClose = o.autoClose !== false;
      this.emitClose = o.emitClose !== false;
      this.defaultEncoding = (typeof o.encoding === 'string' ? o.encoding : 'utf8') as BufferEncoding;
      later(() => this.open());
    }

    setDefaultEncoding(encoding: BufferEncoding): this {
      this.defaultEncoding = encoding;
      return this;
    }

    cork(): void {}
    uncork(): void {}

    /** Writes a chunk (queued until the file is open); the data reaches the file synchronously. */
    write(chunk: unknown, encoding?: unknown, cb?: Done): boolean {
      if (typeof encoding === 'function') {
        cb = encoding as Done;
        encoding = undefined;
      }
      if (this.writableEnded || this.destroyed) {
        const err = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
        later(() => {
          cb?.(err);
          this.emit('error', err);
        });
        return false;
      }
      const bytes = toBytes(chunk, (encoding as BufferEncoding) ?? this.defaultEncoding, 'chunk');
      if (this.pending) this.queue.push([bytes, cb]);
      else this.writeNow(bytes, cb);
      return true;
    }

    end(chunk?: unknown, encoding?: unknown, cb?: Done): this {
      if (typeof chunk === 'function') {
        cb = chunk as Done;
        chunk = undefined;
      } else if (typeof encoding === 'function') {
        cb = encoding as Done;
        encoding = undefined;
      }
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      if (this.writableEnded) {
        if (cb) later(() => cb());
        return this;
      }
      this.writableEnded = true;
      this.writable = false;
      if (cb) {
        const done = cb;
        this.once('finish', () => done());
        this.once('error', (e) => done(e));
      }
      if (!this.pending) this.finish();
      return this;
    }

    destroy(err?: unknown): this {
      if (this.destroyed) return this;
      this.destroyed = true;
      this.writable = false;
      finishDestroy(this, this.autoClose, this.emitClose, err);
      return this;
    }

    close(cb?: (err?: unknown) => void): void {
      if (cb) this.once('close', () => cb());
      if (!this.writableEnded) this.end();
      else if (this.writableFinished) this.destroy();
    }

    private open(): void {
      if (this.destroyed) return;
      if (this.fd === null) {
        try {
          this.fd = sync.openSync(this.path, this.flags);
        } catch (e) {
          for (const [, done] of this.queue) later(() => done?.(e));
          this.queue = [];
          this.destroy(e);
          return;
        }
      }
      this.pending = false;
      this.emit('open', this.fd);
      this.emit('ready');
      for (const [bytes, done] of this.queue.splice(0)) this.writeNow(bytes, done);
      if (this.writableEnded) this.finish();
    }

    private writeNow(bytes: Uint8Array, cb: Done): void {
      if (this.destroyed) return;
      try {
        const n = sync.writeSync(this.fd, bytes, 0, bytes.byteLength, this.pos ?? null);
        if (this.pos !== undefined) this.pos += n;
        this.bytesWritten += n;
      } catch (e) {
        if (cb) later(() => cb(e));
        this.destroy(e);
        return;
      }
      if (cb) later(() => cb());
    }

    private finish(): void {
      later(() => {
        if (this.destroyed) return;
        this.writableFinished = true;
        this.emit('finish');
        if (this.autoClose) this.destroy();
      });
    }
  }

  return { ReadStream, WriteStream };
}

/** The stream classes. */
export type StreamClasses = ReturnType<typeof createStreamClasses>;
