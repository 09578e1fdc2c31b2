import type { EventEmitter } from 'events';
import type { StringDecoder } from 'string_decoder';
import { createCallbacks } from './callbacks';
import { constants } from './constants';
import { FsHost, type FsOp } from './host';
import { createPromises } from './promises';
import { Dirent, Stats } from './stats';
import { createStreamClasses, type StreamClasses } from './streams';
import { createSync, type StdStreams } from './sync';

/**
 * The sandbox's `fs` module: a writable /tmp (the environment's ephemeral storage, kept on the
 * host, not in the isolate's heap) and the function's code under /var/task, read-only; every other
 * path fails with EACCES, as a path outside what a Lambda function may touch would. Bundled on its
 * own (islet:fs) and compiled only when a function first requires fs.
 */
export function createFs(op: FsOp, std: StdStreams): Record<string, unknown> {
  const sync = createSync(new FsHost(op), std);
  const setImmediate = globalThis.setImmediate;
  const later = (fn: () => void) => {
    setImmediate(fn);
  };
  let streams: StreamClasses | undefined;
  // The stream classes need `events` (and `string_decoder`): loaded on the first stream only.
  const streamClasses = (): StreamClasses => {
    streams ??= createStreamClasses(
      (require('events') as { EventEmitter: typeof EventEmitter }).EventEmitter,
      sync,
      later,
      () => (require('string_decoder') as { StringDecoder: typeof StringDecoder }).StringDecoder,
    );
    return streams;
  };
  const promises = createPromises(sync, streamClasses);
  const { readAll: _internal, ...publicSync } = sync;
  const fs: Record<string, unknown> = {
    ...publicSync,
    ...createCallbacks(sync, later),
    createReadStream: (path: unknown, options?: unknown) => new (streamClasses().ReadStream)(path, options),
    createWriteStream: (path: unknown, options?: unknown) => new (streamClasses().WriteStream)(path, options),
    promises,
    constants,
    Stats,
    Dirent,
    F_OK: constants.F_OK,
    R_OK: constants.R_OK,
    W_OK: constants.W_OK,
    X_OK: constants.X_OK,
  };
  for (const name of ['ReadStream', 'WriteStream', 'FileReadStream', 'FileWriteStream']) {
    const key = name.endsWith('ReadStream') ? 'ReadStream' : 'WriteStream';
    Object.defineProperty(fs, name, {
      enumerable: true,
      configurable: true,
      get: () => streamClasses()[key],
      set: (v: unknown) =>
        Object.defineProperty(fs, name, { value: v, writable: true, enumerable: true, configurable: true }),
    });
  }
  return fs;
}
