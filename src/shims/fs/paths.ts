import { constants } from './constants';
import { argError, invalidArgType, invalidArgValue } from './errors';

/** Paths, flags and modes as fs functions take them, checked the way Node checks them. */

const utf8 = new TextDecoder();

/** Node's URL check (duck-typed, as in lib/internal/url.js). */
function isUrl(v: unknown): v is { href: string; protocol: string; hostname: string; pathname: string } {
  const u = v as Record<string, unknown> | null;
  return Boolean(u?.href && u.protocol && u.auth === undefined && u.path === undefined);
}

/** A path argument (string, Buffer/Uint8Array or file: URL) as a string; NUL bytes refused. */
export function toPath(value: unknown, name = 'path'): string {
  let p: string;
  if (typeof value === 'string') p = value;
  else if (value instanceof Uint8Array) p = utf8.decode(value);
  else if (isUrl(value)) {
    if (value.protocol !== 'file:')
      throw argError(TypeError, 'ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
    if (value.hostname !== '' && value.hostname !== 'localhost') {
      throw argError(
        TypeError,
        'ERR_INVALID_FILE_URL_HOST',
        'File URL host must be "localhost" or empty on linux',
      );
    }
    if (/%2f/i.test(value.pathname)) {
      throw argError(
        TypeError,
        'ERR_INVALID_FILE_URL_PATH',
        'File URL path must not include encoded / characters',
      );
    }
    p = decodeURIComponent(value.pathname);
  } else throw invalidArgType(name, 'of type string or an instance of Buffer or URL', value);
  if (p.includes('\0')) {
    throw invalidArgValue(name, p, 'must be a string, Uint8Array, or URL without null bytes');
  }
  return p;
}

/** The absolute, normalised form of a sandbox path (relative paths start at the cwd, /var/task). */
export function absolutePath(p: string): string {
  const parts: string[] = [];
  for (const seg of (p.startsWith('/') ? p : `/var/task/${p}`).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/** A file descriptor argument. */
export function toFd(value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType('fd', 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > 2147483647) {
    throw argError(
      RangeError,
      'ERR_OUT_OF_RANGE',
      `The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received ${value}`,
    );
  }
  return value;
}

const stringFlags: Record<string, number> = (() => {
  const {
    O_RDONLY: R,
    O_WRONLY: W,
    O_RDWR: RW,
    O_CREAT: C,
    O_EXCL: X,
    O_TRUNC: T,
    O_APPEND: A,
    O_SYNC: S,
  } = constants;
  return {
    r: R,
    rs: R | S,
    sr: R | S,
    'r+': RW,
    'rs+': RW | S,
    'sr+': RW | S,
    w: T | C | W,
    wx: T | C | W | X,
    xw: T | C | W | X,
    'w+': T | C | RW,
    'wx+': T | C | RW | X,
    'xw+': T | C | RW | X,
    a: A | C | W,
    ax: A | C | W | X,
    xa: A | C | W | X,
    as: A | C | W | S,
    sa: A | C | W | S,
    'a+': A | C | RW,
    'ax+': A | C | RW | X,
    'xa+': A | C | RW | X,
    'as+': A | C | RW | S,
    'sa+': A | C | RW | S,
  };
})();

/** open(2) flags from Node's string form ('r', 'w+', 'ax', ...) or a number. */
export function toFlags(value: unknown, fallback: string): number {
  if (value === undefined || value === null) return stringFlags[fallback];
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && Object.hasOwn(stringFlags, value)) return stringFlags[value];
  throw invalidArgValue('flags', value);
}

/** Seconds since the epoch from a number, numeric string or Date (utimes). */
export function toSeconds(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (value instanceof Date) return value.getTime() / 1000;
  throw invalidArgType(name, 'of type string or number or an instance of Date', value);
}
