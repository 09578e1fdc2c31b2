import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { rawZip, unixAttrs } from '../../test/helpers/raw-zip';
import { InvalidParameterValueError } from '../errors';
import { type ArchiveLimits, extractArchive, inspectArchive } from './code-archive';

/** Builds a well-formed zip with yazl: files as [name, contents, mode?], plus explicit directories. */
async function yazlZip(files: [string, string | Buffer, number?][], dirs: string[] = []): Promise<Buffer> {
  const zip = new ZipFile();
  for (const dir of dirs) zip.addEmptyDirectory(dir);
  for (const [name, data, mode] of files) zip.addBuffer(Buffer.from(data), name, mode ? { mode } : {});
  zip.end();
  return buffer(zip.outputStream);
}

/** Asserts the exact error class (not a subclass or superclass) and a message fragment. */
async function expectReject(promise: Promise<unknown>, cls: new (...args: any[]) => Error, fragment: string) {
  const err = await promise.then(
    () => expect.fail(`expected a rejection containing "${fragment}"`),
    (e: unknown) => e,
  );
  expect(Object.getPrototypeOf(err)).toBe(cls.prototype);
  expect((err as Error).message).toContain(fragment);
}

let parent: string;
beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'islet-archive-'));
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Rejects through both entry points with the same class and fragment, and leaves `parent` empty. */
async function expectInvalid(zip: Buffer, fragment: string, limits?: Partial<ArchiveLimits>) {
  await expectReject(inspectArchive(zip, limits), InvalidParameterValueError, fragment);
  await expectReject(extractArchive(zip, join(parent, 'pkg'), limits), InvalidParameterValueError, fragment);
  expect(await readdir(parent)).toEqual([]);
}

describe('valid packages', () => {
  it('extracts a nested package with exact contents and fixed modes', async () => {
    const zip = await yazlZip(
      [
        ['index.js', 'exports.handler = async () => 1;\n'],
        ['lib/util.js', 'module.exports = 2;\n', 0o104777], // setuid, world-writable: must not survive
        ['lib/deep/data.json', '{"a":1}'],
        ['./lib//norm.js', 'n'], // normalised to lib/norm.js
      ],
      ['lib/', 'empty/'],
    );
    const dest = join(parent, 'pkg');
    const manifest = await extractArchive(zip, dest);
    const files = [
      { path: 'index.js', size: 33 },
      { path: 'lib/util.js', size: 20 },
      { path: 'lib/deep/data.json', size: 7 },
      { path: 'lib/norm.js', size: 1 },
    ];
    expect(manifest).toEqual({ files, unzippedBytes: 61 });
    expect(await inspectArchive(zip)).toEqual(manifest);
    expect(await readFile(join(dest, 'index.js'), 'utf8')).toBe('exports.handler = async () => 1;\n');
    expect(await readFile(join(dest, 'lib/util.js'), 'utf8')).toBe('module.exports = 2;\n');
    expect(await readFile(join(dest, 'lib/deep/data.json'), 'utf8')).toBe('{"a":1}');
    expect(await readFile(join(dest, 'lib/norm.js'), 'utf8')).toBe('n');
    expect((await readdir(dest)).sort()).toEqual(['empty', 'index.js', 'lib']);
    expect((await stat(join(dest, 'lib/util.js'))).mode & 0o7777).toBe(0o644);
    for (const dir of ['', 'lib', 'lib/deep', 'empty']) {
      expect((await stat(join(dest, dir))).mode & 0o7777).toBe(0o755);
    }
    expect(await readdir(parent)).toEqual(['pkg']); // no temp sibling left over
  });

  it('sets modes 0644/0755 whatever the umask', async () => {
    const old = process.umask(0o077);
    try {
      await extractArchive(await yazlZip([['d/a.js', 'a']]), join(parent, 'pkg'));
    } finally {
      process.umask(old);
    }
    expect((await stat(join(parent, 'pkg'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(parent, 'pkg/d'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(parent, 'pkg/d/a.js'))).mode & 0o7777).toBe(0o644);
  });

  it('accepts an empty zip, as Lambda does', async () => {
    const zip = await yazlZip([]);
    expect(await inspectArchive(zip)).toEqual({ files: [], unzippedBytes: 0 });
    await extractArchive(zip, join(parent, 'pkg'));
    expect(await readdir(join(parent, 'pkg'))).toEqual([]);
  });

  it('compares paths case-sensitively and allows an explicit directory after its files', async () => {
    const zip = rawZip([{ name: 'A.js' }, { name: 'a.js' }, { name: 'd/x.js' }, { name: 'd/', attrs: 0 }]);
    expect((await inspectArchive(zip)).files.map((f) => f.path)).toEqual(['A.js', 'a.js', 'd/x.js']);
  });

  it('extracts stored and deflated entries alike', async () => {
    const data = Buffer.from('x'.repeat(5000));
    const zip = rawZip([
      { name: 's.txt', data },
      { name: 'd.txt', data, method: 8 },
    ]);
    await extractArchive(zip, join(parent, 'pkg'));
    expect(await readFile(join(parent, 'pkg/s.txt'))).toEqual(data);
    expect(await readFile(join(parent, 'pkg/d.txt'))).toEqual(data);
  });
});

describe('rejects archives that are not zips or are damaged', () => {
  const aws = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

  it('rejects bytes that are not a zip', async () => {
    await expectInvalid(Buffer.from('definitely not a zip file, just some text'), aws);
    await expectInvalid(Buffer.alloc(0), aws);
  });

  it('rejects a truncated zip', async () => {
    const zip = await yazlZip([['index.js', 'x'.repeat(1000)]]);
    await expectInvalid(zip.subarray(0, zip.length - 10), aws);
  });

  it('rejects a zip larger than maxZippedBytes', async () => {
    const zip = await yazlZip([['index.js', 'hello']]);
    await expectInvalid(zip, `more than the limit of 50 bytes`, { maxZippedBytes: 50 });
  });

  it('rejects a stored entry whose CRC does not match', async () => {
    const zip = rawZip([
      { name: 'ok.js', data: Buffer.from('fine') },
      { name: 'bad.js', data: Buffer.from('x'), crc: 1 },
    ]);
    await expectInvalid(zip, "zip entry 'bad.js' is corrupt: CRC-32 mismatch");
  });

  it('rejects damaged deflate data', async () => {
    const zip = rawZip([{ name: 'bad.js', data: Buffer.from('hello world'), method: 8 }]);
    zip[30 + 'bad.js'.length] = 0xff; // first byte of the deflate stream: an invalid block type
    await expectInvalid(zip, "zip entry 'bad.js' is corrupt");
  });

  it('rejects encrypted entries', async () => {
    const zip = rawZip([{ name: 'secret.js', data: Buffer.from('x'), method: 8, flags: 0x1 }]);
    await expectInvalid(zip, "zip entry 'secret.js' is encrypted");
  });

  it('rejects unsupported compression methods', async () => {
    const zip = rawZip([{ name: 'b.js', data: Buffer.from('x'), method: 12 }]);
    await expectInvalid(zip, "zip entry 'b.js' uses unsupported compression method 12");
  });

  it('rejects a directory entry that carries data', async () => {
    await expectInvalid(
      rawZip([{ name: 'd/', data: Buffer.from('x') }]),
      "zip entry 'd/' is a directory but has data",
    );
  });
});

describe('rejects unsafe names', () => {
  it.each(['../evil.js', 'a/../../evil.js', '..'])('rejects zip-slip %s', async (name) => {
    await expectInvalid(rawZip([{ name }]), `zip entry '${name}' escapes the package root`);
  });

  it('rejects .. segments even when they stay inside the root', async () => {
    await expectInvalid(
      rawZip([{ name: 'a/../b.js' }]),
      "zip entry 'a/../b.js' contains a '..' path segment",
    );
  });

  it.each(['/etc/passwd', 'C:\\evil.js', 'c:/evil.js'])('rejects absolute path %s', async (name) => {
    await expectInvalid(rawZip([{ name }]), 'is an absolute path');
  });

  it('rejects backslashes', async () => {
    await expectInvalid(rawZip([{ name: 'a\\b.js' }]), "zip entry 'a\\b.js' contains a backslash");
    await expectInvalid(rawZip([{ name: '..\\evil.js' }]), 'contains a backslash');
  });

  it('rejects NUL, empty names and over-long segments', async () => {
    await expectInvalid(rawZip([{ name: 'a\0.js' }]), "zip entry 'a\\x00.js' contains a NUL character");
    await expectInvalid(rawZip([{ name: '' }]), 'a zip entry has an empty name');
    await expectInvalid(rawZip([{ name: `${'x'.repeat(256)}.js` }]), 'has a path segment over 255 bytes');
  });
});

describe('rejects non-regular entries and duplicates', () => {
  it('rejects symlinks', async () => {
    const zip = rawZip([{ name: 'link', data: Buffer.from('/etc/passwd'), attrs: unixAttrs(0o120777) }]);
    await expectInvalid(zip, "zip entry 'link' is a symbolic link");
  });

  it('rejects other special files (a FIFO)', async () => {
    await expectInvalid(
      rawZip([{ name: 'fifo', attrs: unixAttrs(0o010644) }]),
      "zip entry 'fifo' is not a regular file",
    );
  });

  it.each([
    [['a.js', 'a.js'], "duplicate zip entry 'a.js'"],
    [['a.js', './a.js'], "duplicate zip entry 'a.js'"],
    [['d/', 'd/'], "duplicate zip entry 'd'"],
    [['a', 'a/'], "zip entry 'a' is both a file and a directory"],
    [['a/', 'a'], "zip entry 'a' is both a file and a directory"],
    [['a', 'a/b.js'], "zip entry 'a' is both a file and a directory"],
    [['a/b.js', 'a'], "zip entry 'a' is both a file and a directory"],
  ])('rejects %j', async (names, fragment) => {
    await expectInvalid(rawZip(names.map((name) => ({ name }))), fragment);
  });
});

describe('enforces the entry and size caps', () => {
  it('rejects more than maxEntries entries (directories count)', async () => {
    const zip = await yazlZip(
      [
        ['a.js', 'a'],
        ['b.js', 'b'],
      ],
      ['d/'],
    );
    await expectInvalid(zip, 'the zip has 3 entries, more than the limit of 2', { maxEntries: 2 });
    expect((await inspectArchive(zip, { maxEntries: 3 })).files).toHaveLength(2);
  });

  it('rejects declared sizes over maxUnzippedBytes before inflating', async () => {
    const zip = await yazlZip([
      ['a.js', 'x'.repeat(600)],
      ['b.js', 'x'.repeat(600)],
    ]);
    await expectInvalid(zip, 'unzipped size exceeds the limit of 1000 bytes', { maxUnzippedBytes: 1000 });
    expect((await inspectArchive(zip, { maxUnzippedBytes: 1200 })).unzippedBytes).toBe(1200);
  });

  it('rejects an honest zip bomb (3 MB of zeros, 1 MB cap)', async () => {
    const zip = await yazlZip([['bomb.bin', Buffer.alloc(3 * 1024 * 1024)]]);
    expect(zip.length).toBeLessThan(10_000);
    await expectInvalid(zip, 'unzipped size exceeds the limit of 1048576 bytes', {
      maxUnzippedBytes: 1024 * 1024,
    });
  });

  it('rejects a zip bomb whose headers understate its size', async () => {
    // Declares 100 bytes but inflates to 3 MB: the declared check passes, so the streaming checks must stop it.
    const zip = rawZip([
      { name: 'ok.js', data: Buffer.from('fine') },
      { name: 'bomb.bin', data: Buffer.alloc(3 * 1024 * 1024), method: 8, size: 100 },
    ]);
    const limits = { maxUnzippedBytes: 1024 * 1024 };
    for (const attempt of [inspectArchive(zip, limits), extractArchive(zip, join(parent, 'pkg'), limits)]) {
      const err = await attempt.then(
        () => expect.fail('expected a rejection'),
        (e: unknown) => e,
      );
      expect(Object.getPrototypeOf(err)).toBe(InvalidParameterValueError.prototype);
      // yauzl's validateEntrySizes notices first ("too many bytes"); the real-byte cap is the backstop.
      expect((err as Error).message).toMatch(/zip entry 'bomb\.bin' is corrupt|unzipped size exceeds/);
    }
    expect(await readdir(parent)).toEqual([]);
  });

  it('stops a lying bomb with the real-byte cap even if yauzl did not validate sizes', async () => {
    // The backstop cannot be reached while validateEntrySizes holds, so switch that off to exercise it.
    const fromBuffer = yauzl.fromBuffer;
    const spy = vi
      .spyOn(yauzl, 'fromBuffer')
      .mockImplementation(((buf: Buffer, opts: yauzl.Options, cb: never) =>
        fromBuffer(buf, { ...opts, validateEntrySizes: false }, cb)) as typeof yauzl.fromBuffer);
    try {
      const zip = rawZip([{ name: 'bomb.bin', data: Buffer.alloc(3 * 1024 * 1024), method: 8, size: 100 }]);
      await expectInvalid(zip, 'unzipped size exceeds the limit of 1048576 bytes', {
        maxUnzippedBytes: 1024 * 1024,
      });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('extractArchive destination handling', () => {
  it('refuses a destination that already exists and leaves it untouched', async () => {
    const dest = join(parent, 'pkg');
    await mkdir(dest);
    await writeFile(join(dest, 'keep.txt'), 'keep');
    await expectReject(extractArchive(await yazlZip([['a.js', 'a']]), dest), Error, 'already exists');
    expect(await readdir(dest)).toEqual(['keep.txt']);
    expect(await readdir(parent)).toEqual(['pkg']);
  });

  it('removes the partly written temp dir when a late entry fails', async () => {
    // The first files are written before the last one fails its CRC check.
    const zip = rawZip([
      { name: 'a/one.js', data: Buffer.from('1') },
      { name: 'a/two.js', data: Buffer.from('2') },
      { name: 'z.js', data: Buffer.from('3'), crc: 7 },
    ]);
    await expectReject(
      extractArchive(zip, join(parent, 'pkg')),
      InvalidParameterValueError,
      'CRC-32 mismatch',
    );
    expect(await readdir(parent)).toEqual([]);
  });
});
