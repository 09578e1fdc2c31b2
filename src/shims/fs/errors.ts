/** Node's error shapes for `fs`: system errors (code, errno, syscall, path, dest) and argument errors. */

/** libuv's errno numbers and descriptions, as Node prints them. */
const uvErrors: Record<string, [number, string]> = {
  EPERM: [-1, 'operation not permitted'],
  ENOENT: [-2, 'no such file or directory'],
  EIO: [-5, 'i/o error'],
  EBADF: [-9, 'bad file descriptor'],
  EACCES: [-13, 'permission denied'],
  EBUSY: [-16, 'resource busy or locked'],
  EEXIST: [-17, 'file already exists'],
  EXDEV: [-18, 'cross-device link not permitted'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  EMFILE: [-24, 'too many open files'],
  EFBIG: [-27, 'file too large'],
  ENOSPC: [-28, 'no space left on device'],
  EROFS: [-30, 'read-only file system'],
  ENAMETOOLONG: [-36, 'name too long'],
  ENOSYS: [-38, 'function not implemented'],
  ENOTEMPTY: [-39, 'directory not empty'],
};

/** A system error as Node's fs throws it: `ENOENT: no such file or directory, open '/tmp/x'`. */
export function uvError(
  code: string,
  syscall: string,
  path?: string,
  dest?: string,
): NodeJS.ErrnoException & { dest?: string } {
  const [errno, description] = uvErrors[code] ?? [-5, 'i/o error'];
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const e = new Error(message) as NodeJS.ErrnoException & { dest?: string };
  e.errno = errno;
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}

/** rm on a directory without `recursive`, which Node reports as a SystemError of its own. */
export function rmIsDirectory(path: string): Error {
  const e = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${path}`) as Error &
    Record<string, unknown>;
  e.name = 'SystemError';
  Object.assign(e, { code: 'ERR_FS_EISDIR', errno: 21, syscall: 'rm', path });
  return e;
}

/** A Node argument error (TypeError / RangeError with an ERR_* code). */
export function argError(
  Ctor: TypeErrorConstructor | RangeErrorConstructor,
  code: string,
  message: string,
): Error & { code: string } {
  const e = new Ctor(message) as Error & { code: string };
  e.code = code;
  return e;
}

/** How Node describes a received value in ERR_INVALID_ARG_TYPE. */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name ? `an instance of ${name}` : 'an instance of Object';
  }
  const shown =
    typeof value === 'string' ? `'${value.slice(0, 25)}${value.length > 25 ? '...' : ''}'` : String(value);
  return `type ${typeof value} (${shown})`;
}

/** ERR_INVALID_ARG_TYPE: `The "path" argument must be of type string... Received ...`. */
export function invalidArgType(name: string, expected: string, value: unknown): Error {
  return argError(
    TypeError,
    'ERR_INVALID_ARG_TYPE',
    `The "${name}" argument must be ${expected}. Received ${received(value)}`,
  );
}

/** ERR_INVALID_ARG_VALUE: `The argument 'flags' is invalid. Received 'zz'`. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): Error {
  const shown = typeof value === 'string' ? `'${escapeNul(value)}'` : String(value);
  return argError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument '${name}' ${reason}. Received ${shown}`);
}

function escapeNul(s: string): string {
  return s.replaceAll('\0', '\\x00');
}

/** Whether an error is an argument error (thrown at once even by the callback and promise forms). */
export function isArgError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') && code !== 'ERR_FS_EISDIR';
}
