import { unzipSync, zipSync } from 'fflate';

/** A deployment package's files by path ('index.js', 'lib/util.js'); text files as strings. */
export type FileMap = Record<string, string | Uint8Array>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when the bytes are valid UTF-8 without NULs; the bytes otherwise (kept, not editable). */
function asText(bytes: Uint8Array): string | Uint8Array {
  if (bytes.includes(0)) return bytes;
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

/** Unpacks a zip into files (directory entries dropped). */
export function unzipFiles(zip: Uint8Array): FileMap {
  const out: FileMap = {};
  for (const [path, bytes] of Object.entries(unzipSync(zip))) {
    if (path.endsWith('/')) continue;
    out[path] = asText(bytes);
  }
  return out;
}

// Fixed timestamps: the same files always make the same zip (and the same CodeSha256).
const mtime = new Date('2020-01-01T00:00:00Z');

/** Packs files into a deflated zip, entries sorted by path. */
export function zipFiles(files: FileMap): Uint8Array {
  const enc = new TextEncoder();
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const path of Object.keys(files).sort()) {
    const v = files[path];
    entries[path] = [typeof v === 'string' ? enc.encode(v) : v, { mtime }];
  }
  return zipSync(entries, { level: 6 });
}

/** Base64 of bytes, in chunks (String.fromCharCode has an argument limit). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Checks a path typed in for a new file: relative, no '..', no empty segments. */
export function checkFilePath(path: string): string | undefined {
  if (!path) return 'Enter a file name.';
  if (path.startsWith('/') || path.includes('\\')) return 'Use a relative path with forward slashes.';
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..'))
    return 'Path segments may not be empty, "." or "..".';
  if (path.length > 255) return 'Paths are at most 255 characters.';
  return undefined;
}
