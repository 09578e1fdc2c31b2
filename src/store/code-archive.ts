/**
 * Validates and extracts Lambda deployment packages. A zip comes from an untrusted caller, so all of
 * its metadata (names, types, duplicates, declared sizes) is checked before a byte is written, and the
 * real inflated bytes are counted while streaming, since a zip bomb's headers may lie. Archive problems
 * are InvalidParameterValueError; fs failures while extracting are server problems and pass unchanged.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { InvalidParameterValueError } from '../errors';
import { limits as defaultLimits } from '../limits';

/** Caps for one package; defaults come from limits.ts, tests pass small ones. */
export interface ArchiveLimits {
  /** Size of the zip itself, in bytes. */
  maxZippedBytes: number;
  /** Total uncompressed size of all entries (declared and real), in bytes. */
  maxUnzippedBytes: number;
  /** Entries in the zip, files and directories together. */
  maxEntries: number;
}

/** One regular file: normalised relative POSIX path and uncompressed size in bytes (directories are not listed). */
export interface ArchiveEntry {
  path: string;
  size: number;
}

/** What a valid package holds: its files in zip order and their total uncompressed size in bytes. */
export interface ArchiveManifest {
  files: ArchiveEntry[];
  unzippedBytes: number;
}

const NOT_A_ZIP = 'Could not unzip uploaded file. Please check your file, then try to upload again.';
// decodeStrings: false stops yauzl from rewriting '\\' to '/' and from rejecting bad names in its own
// words: normalisePath() validates names itself. validateEntrySizes makes each entry's real size match.
const OPTIONS = { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: false };
// Unix file-type bits, stored in the high 16 bits of the external file attributes.
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
// Modes are fixed: a package must not smuggle in setuid bits, world-writable files or unreadable ones.
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

/** An opened, checked archive: its files in zip order and every directory (explicit or implied), parents first. */
interface Plan {
  zipfile: yauzl.ZipFile;
  files: { entry: yauzl.Entry; path: string }[];
  dirs: string[];
}

/** Validates the whole archive (inflating every entry to count real bytes) without writing anything. */
export async function inspectArchive(zip: Buffer, limits?: Partial<ArchiveLimits>): Promise<ArchiveManifest> {
  const caps = resolveLimits(limits);
  const plan = await openArchive(zip, caps);
  try {
    return await inflateAll(plan, caps);
  } finally {
    plan.zipfile.close();
  }
}

/** Validates and extracts into destDir, which must not exist yet: writes into a temp sibling dir, fsyncs files, then renames it into place, so destDir is either absent or complete. On any error the temp dir is removed and nothing is left behind. */
export async function extractArchive(
  zip: Buffer,
  destDir: string,
  limits?: Partial<ArchiveLimits>,
): Promise<ArchiveManifest> {
  const caps = resolveLimits(limits);
  await assertAbsent(destDir);
  // Metadata problems (names, types, duplicates, declared sizes) are found before anything is created.
  const plan = await openArchive(zip, caps);
  // A sibling, so the final rename stays on one filesystem and is atomic; dot-prefixed to stay out of listings.
  const tmp = join(dirname(destDir), `.${basename(destDir)}.extract-${randomBytes(6).toString('hex')}`);
  let manifest: ArchiveManifest;
  try {
    await makeDir(tmp);
    manifest = await inflateAll(plan, caps, tmp);
    // Directory entries must be durable too, or a crash after the rename could lose files.
    for (const dir of [...plan.dirs, '']) await syncDir(join(tmp, dir));
    // rename() silently replaces an empty directory, so look again right before it (narrows, not closes, the race).
    await assertAbsent(destDir);
    await rename(tmp, destDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    plan.zipfile.close();
  }
  await syncDir(dirname(destDir)); // makes the rename itself durable
  return manifest;
}

function resolveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  return {
    maxZippedBytes: overrides.maxZippedBytes ?? defaultLimits.maxZippedCodeBytes,
    maxUnzippedBytes: overrides.maxUnzippedBytes ?? defaultLimits.maxUnzippedCodeBytes,
    maxEntries: overrides.maxEntries ?? defaultLimits.maxCodeEntries,
  };
}

/** Opens the zip and reads and checks its central directory; inflates nothing. */
async function openArchive(zip: Buffer, caps: ArchiveLimits): Promise<Plan> {
  if (zip.length > caps.maxZippedBytes) {
    throw invalid(`the zip is ${zip.length} bytes, more than the limit of ${caps.maxZippedBytes} bytes`);
  }
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, OPTIONS, (err, zf) =>
      err ? reject(new InvalidParameterValueError(NOT_A_ZIP)) : resolve(zf),
    ),
  );
  try {
    // The count comes from the end-of-central-directory record, so this costs nothing per entry.
    if (zipfile.entryCount > caps.maxEntries) {
      throw invalid(`the zip has ${zipfile.entryCount} entries, more than the limit of ${caps.maxEntries}`);
    }
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zipfile.on('entry', (entry: yauzl.Entry) => {
        found.push(entry);
        zipfile.readEntry();
      });
      zipfile.on('end', () => resolve(found));
      zipfile.on('error', (err: Error) => reject(invalid(`the zip is corrupt: ${err.message}`)));
      zipfile.readEntry();
    });
    return { zipfile, ...planEntries(entries, caps) };
  } catch (err) {
    zipfile.close();
    throw err;
  }
}

/** Checks every entry's name, type and declared size, and that no two entries claim the same path. */
function planEntries(entries: yauzl.Entry[], caps: ArchiveLimits): Omit<Plan, 'zipfile'> {
  // 'parent' marks a directory implied by a deeper entry; an explicit entry for it may still follow.
  const kinds = new Map<string, 'file' | 'dir' | 'parent'>();
  const files: Plan['files'] = [];
  let declaredBytes = 0;
  for (const entry of entries) {
    // strict: keep backslashes as they are so that they are rejected, not reinterpreted.
    const name = yauzl.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true,
    );
    const what = `zip entry '${show(name)}'`;
    const path = normalisePath(name, what);
    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    const isDir = name.endsWith('/') || type === S_IFDIR;
    if (type === S_IFLNK) throw invalid(`${what} is a symbolic link, which is not supported`);
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw invalid(`${what} is not a regular file`);
    if (entry.isEncrypted()) throw invalid(`${what} is encrypted, which is not supported`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw invalid(`${what} uses unsupported compression method ${entry.compressionMethod}`);
    }
    if (isDir && entry.uncompressedSize > 0) throw invalid(`${what} is a directory but has data`);
    declaredBytes += entry.uncompressedSize;
    if (declaredBytes > caps.maxUnzippedBytes) throw tooBig(caps);
    if (path === '.') {
      if (isDir) continue; // './' names the root itself
      throw invalid(`${what} does not name a file`);
    }
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      const kind = kinds.get(parent);
      if (kind === 'file') throw invalid(`zip entry '${show(parent)}' is both a file and a directory`);
      if (kind === undefined) kinds.set(parent, 'parent');
    }
    const prev = kinds.get(path);
    if (prev !== undefined && !(prev === 'parent' && isDir)) {
      throw invalid(
        prev === (isDir ? 'dir' : 'file')
          ? `duplicate zip entry '${show(path)}'`
          : `zip entry '${show(path)}' is both a file and a directory`,
      );
    }
    kinds.set(path, isDir ? 'dir' : 'file');
    if (!isDir) files.push({ entry, path });
  }
  // A prefix sorts before its extensions, so parents come before their children.
  const dirs = [...kinds].filter(([, kind]) => kind !== 'file').map(([dir]) => dir);
  return { files, dirs: dirs.sort() };
}

/** Returns the entry name as a normalised relative path ('.' for the root), or throws if it is unsafe. */
function normalisePath(name: string, what: string): string {
  if (name === '') throw invalid('a zip entry has an empty name');
  if (name.includes('\0')) throw invalid(`${what} contains a NUL character`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw invalid(`${what} is an absolute path`);
  if (name.includes('\\')) throw invalid(`${what} contains a backslash`);
  const segments = name.split('/');
  if (segments.includes('..')) {
    const normal = posix.normalize(name);
    if (normal === '..' || normal.startsWith('../')) throw invalid(`${what} escapes the package root`);
    throw invalid(`${what} contains a '..' path segment`);
  }
  // Longer components fail with ENAMETOOLONG on common filesystems; reject them as bad input instead.
  if (segments.some((s) => Buffer.byteLength(s) > 255))
    throw invalid(`${what} has a path segment over 255 bytes`);
  return posix.normalize(name).replace(/\/+$/, '') || '.';
}

/** Inflates every file, enforcing the real-byte cap; writes the files under root when it is given. */
async function inflateAll(plan: Plan, caps: ArchiveLimits, root?: string): Promise<ArchiveManifest> {
  if (root) for (const dir of plan.dirs) await makeDir(join(root, dir));
  const manifest: ArchiveManifest = { files: [], unzippedBytes: 0 };
  for (const { entry, path } of plan.files) {
    // 'wx': the temp dir is fresh, so an existing file can only mean a collision (e.g. case-insensitive fs).
    const handle = root ? await open(join(root, path), 'wx', FILE_MODE) : undefined;
    try {
      let size = 0;
      for await (const chunk of inflateEntry(plan.zipfile, entry, path)) {
        size += chunk.length;
        manifest.unzippedBytes += chunk.length;
        // Leaving the loop destroys the stream, so a bomb stops inflating as soon as it passes the cap.
        if (manifest.unzippedBytes > caps.maxUnzippedBytes) throw tooBig(caps);
        await handle?.write(chunk);
      }
      if (handle) {
        await handle.chmod(FILE_MODE); // open()'s mode is filtered by the umask; this is not
        await handle.sync();
      }
      manifest.files.push({ path, size });
    } finally {
      await handle?.close();
    }
  }
  return manifest;
}

/** Yields one entry's uncompressed bytes, turning read/inflate failures and a bad CRC into InvalidParameterValueError. */
async function* inflateEntry(zf: yauzl.ZipFile, entry: yauzl.Entry, path: string): AsyncGenerator<Buffer> {
  const what = `zip entry '${show(path)}'`;
  let crc = 0;
  try {
    const stream = await new Promise<Readable>((resolve, reject) =>
      zf.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    // Errors thrown by the consumer arrive as return(), not here, so fs errors are never relabelled.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (err) {
    throw invalid(`${what} is corrupt: ${(err as Error).message}`);
  }
  // yauzl does not check CRCs; without this a damaged stored entry would be accepted.
  if (crc !== entry.crc32) throw invalid(`${what} is corrupt: CRC-32 mismatch`);
}

async function assertAbsent(path: string): Promise<void> {
  const err = await lstat(path).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  // An existing destination is a caller bug (the store picks fresh directories), not bad input.
  if (!err) throw new Error(`extractArchive: destination '${path}' already exists`);
  if (err.code !== 'ENOENT') throw err;
}

/** mkdir's mode is filtered by the umask; chmod is not. */
async function makeDir(dir: string): Promise<void> {
  await mkdir(dir);
  await chmod(dir, DIR_MODE);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function invalid(message: string): InvalidParameterValueError {
  return new InvalidParameterValueError(`Code: ${message}`);
}

function tooBig(caps: ArchiveLimits): InvalidParameterValueError {
  return invalid(`unzipped size exceeds the limit of ${caps.maxUnzippedBytes} bytes`);
}

/** A name made safe for an error message: control characters escaped, long names cut. */
function show(name: string): string {
  const escaped = name.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}...` : escaped;
}
