import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, testRole, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

/**
 * A function that runs the JavaScript it is sent, with `fs`, `fsp` (fs/promises) and `require`,
 * and answers its result, or the error thrown (name, message and Node's error fields).
 */
const probeSource = `
const fs = require('fs');
const fsp = require('node:fs/promises');
const AsyncFunction = (async () => {}).constructor;
exports.handler = async (event) => {
  try {
    return { ok: await new AsyncFunction('fs', 'fsp', 'require', event.code)(fs, fsp, require) };
  } catch (e) {
    const { name, message, code, errno, syscall, path, dest } = e;
    return { error: { name, message, code, errno, syscall, path, dest } };
  }
};`;

const probeFiles = {
  'index.js': probeSource,
  'data/config.json': '{"greeting":"hello from the code"}',
};

let server: TestServer;

/** Runs `code` in function `name`; returns `ok` or throws a description of the error. */
async function run(name: string, code: string): Promise<any> {
  const r = await invoke(server.lambda(), name, { code });
  if (r.functionError) throw new Error(`function error: ${JSON.stringify(r.payload)}`);
  return r.payload;
}

async function ok(name: string, code: string): Promise<any> {
  const r = await run(name, code);
  if (r.error) throw new Error(`unexpected error: ${JSON.stringify(r.error)}`);
  return r.ok;
}

async function failure(name: string, code: string): Promise<Record<string, unknown>> {
  const r = await run(name, code);
  if (!r.error) throw new Error(`expected an error, got ${JSON.stringify(r.ok)}`);
  return r.error;
}

/** The /tmp directories of the server's environments (`<pid>-<id>`). */
function tmpDirs(s: TestServer): string[] {
  const root = join(s.dataDir, 'tmp');
  return existsSync(root) ? readdirSync(root) : [];
}

async function configure(name: string, input: Record<string, unknown>) {
  return server.lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...input }));
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const lambda = server.lambda();
  for (const name of ['probe', 'other', 'quota', 'isolation', 'disposal', 'exits'])
    await deploy(lambda, name, probeFiles, { Timeout: 10 });
  await deploy(lambda, 'esm', {
    'index.mjs': `import fs, { promises as viaFs, writeFileSync } from 'fs';
      import { readFile, writeFile } from 'node:fs/promises';
      import * as os from 'node:os';
      export const handler = async () => {
        writeFileSync('/tmp/esm.txt', 'from esm');
        await writeFile('/tmp/esm2.txt', 'promises');
        return {
          sync: fs.readFileSync('/tmp/esm.txt', 'utf8'),
          promised: await readFile('/tmp/esm2.txt', 'utf8'),
          same: viaFs === fs.promises,
          tmpdir: os.tmpdir(),
        };
      };`,
  });
  await deploy(lambda, 'node-prefix', {
    'index.js': `exports.handler = async () => ({
      same: require('node:fs') === require('fs') && require('node:fs/promises') === require('fs').promises,
      readFile: typeof require('node:fs').readFileSync,
    });`,
  });
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('/tmp inside a function', () => {
  it('keeps files across warm invocations of an environment', async () => {
    await ok(
      'probe',
      `fs.writeFileSync('/tmp/greeting.txt', 'hello'); fs.mkdirSync('/tmp/a/b/c', { recursive: true });`,
    );
    const out = await ok(
      'probe',
      `return {
        text: fs.readFileSync('/tmp/greeting.txt', 'utf8'),
        entries: fs.readdirSync('/tmp', { withFileTypes: true }).map((d) => [d.name, d.isDirectory(), d.isFile()]),
        size: fs.statSync('/tmp/greeting.txt').size,
        isDir: fs.statSync('/tmp/a/b').isDirectory(),
        mtime: fs.statSync('/tmp/greeting.txt').mtime instanceof Date,
      };`,
    );
    expect(out).toEqual({
      text: 'hello',
      entries: [
        ['a', true, false],
        ['greeting.txt', false, true],
      ],
      size: 5,
      isDir: true,
      mtime: true,
    });
  });

  it('supports the everyday operations in their sync, callback and promise forms', async () => {
    const out = await ok(
      'probe',
      `const util = require('util');
      fs.rmSync('/tmp/ops', { recursive: true, force: true });
      const first = fs.mkdirSync('/tmp/ops/x/y', { recursive: true });
      fs.writeFileSync('/tmp/ops/x/a.txt', 'one');
      fs.appendFileSync('/tmp/ops/x/a.txt', '-two');
      fs.copyFileSync('/tmp/ops/x/a.txt', '/tmp/ops/x/b.txt');
      fs.renameSync('/tmp/ops/x/b.txt', '/tmp/ops/x/y/c.txt');
      await fsp.writeFile('/tmp/ops/p.txt', 'promised');
      const viaCallback = await util.promisify(fs.readFile)('/tmp/ops/p.txt', 'utf8');
      const exists = await new Promise((resolve) => fs.exists('/tmp/ops/x/y/c.txt', resolve));
      fs.accessSync('/tmp/ops/x/a.txt', fs.constants.R_OK | fs.constants.W_OK);
      const recursive = fs.readdirSync('/tmp/ops', { recursive: true }).sort();
      const c = fs.readFileSync('/tmp/ops/x/y/c.txt', 'utf8');
      fs.truncateSync('/tmp/ops/x/a.txt', 3);
      const truncated = fs.readFileSync('/tmp/ops/x/a.txt', 'utf8');
      fs.unlinkSync('/tmp/ops/p.txt');
      await fsp.rm('/tmp/ops/x/y', { recursive: true });
      const left = (await fsp.readdir('/tmp/ops/x')).sort();
      fs.rmdirSync('/tmp/ops/x', { recursive: true });
      const emptyDir = fs.readdirSync('/tmp/ops');
      const tmp = fs.mkdtempSync('/tmp/ops/job-');
      return {
        first, c, viaCallback,
        exists, recursive, truncated, left, emptyDir, tmp: /^\\/tmp\\/ops\\/job-[A-Za-z0-9]{6}$/.test(tmp),
        real: fs.realpathSync('/tmp//ops/../ops/'), missing: fs.existsSync('/tmp/ops/nothing'),
        statUndefined: fs.statSync('/tmp/ops/nothing', { throwIfNoEntry: false }) === undefined,
        tmpdir: require('os').tmpdir(), same: require('fs/promises') === fs.promises,
      };`,
    );
    expect(out).toEqual({
      first: '/tmp/ops',
      c: 'one-two',
      viaCallback: 'promised',
      exists: true,
      recursive: ['p.txt', 'x', 'x/a.txt', 'x/y', 'x/y/c.txt'],
      truncated: 'one',
      left: ['a.txt'],
      emptyDir: [],
      tmp: true,
      real: '/tmp/ops',
      missing: false,
      statUndefined: true,
      tmpdir: '/tmp',
      same: true,
    });
  });

  it('reports failures with the errors Node throws', async () => {
    expect(await failure('probe', `fs.readFileSync('/tmp/none.txt')`)).toEqual({
      name: 'Error',
      message: "ENOENT: no such file or directory, open '/tmp/none.txt'",
      code: 'ENOENT',
      errno: -2,
      syscall: 'open',
      path: '/tmp/none.txt',
    });
    expect(await failure('probe', `fs.mkdirSync('/tmp/dup'); fs.mkdirSync('/tmp/dup')`)).toMatchObject({
      message: "EEXIST: file already exists, mkdir '/tmp/dup'",
      errno: -17,
    });
    expect(await failure('probe', `fs.renameSync('/tmp/nope', '/tmp/dest')`)).toMatchObject({
      message: "ENOENT: no such file or directory, rename '/tmp/nope' -> '/tmp/dest'",
      dest: '/tmp/dest',
    });
    expect(await failure('probe', `fs.readFileSync('/tmp')`)).toMatchObject({
      message: 'EISDIR: illegal operation on a directory, read',
      code: 'EISDIR',
    });
    expect(
      await failure('probe', `fs.mkdirSync('/tmp/full/x', { recursive: true }); fs.rmSync('/tmp/full')`),
    ).toMatchObject({ name: 'SystemError', code: 'ERR_FS_EISDIR', syscall: 'rm' });
    expect(await failure('probe', `fs.rmdirSync('/tmp/full')`)).toMatchObject({
      code: 'ENOTEMPTY',
      syscall: 'rmdir',
    });
    expect(await failure('probe', `await fsp.readFile('/tmp/none.txt')`)).toMatchObject({ code: 'ENOENT' });
    expect(
      await failure(
        'probe',
        `await new Promise((res, rej) => fs.stat('/tmp/none', (e) => (e ? rej(e) : res())))`,
      ),
    ).toMatchObject({ code: 'ENOENT', syscall: 'stat' });
    expect(await failure('probe', `fs.readFileSync(42n)`)).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(await failure('probe', `fs.openSync('/tmp/x', 'zz')`)).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  it('is there for import and require, with or without node:', async () => {
    expect((await invoke(server.lambda(), 'esm')).payload).toEqual({
      sync: 'from esm',
      promised: 'promises',
      same: true,
      tmpdir: '/tmp',
    });
    expect((await invoke(server.lambda(), 'node-prefix')).payload).toEqual({
      same: true,
      readFile: 'function',
    });
  });

  it('converts utf8, base64, hex and latin1 and takes Buffers and Uint8Arrays', async () => {
    const out = await ok(
      'probe',
      `fs.writeFileSync('/tmp/enc.bin', 'aGVsbG8gd29ybGQ=', 'base64');
      fs.appendFileSync('/tmp/enc.bin', '21', { encoding: 'hex' });
      fs.writeFileSync('/tmp/latin.txt', 'caf\\u00e9', 'latin1');
      fs.writeFileSync('/tmp/u8.bin', new Uint8Array([1, 2, 3, 250]));
      return {
        utf8: fs.readFileSync('/tmp/enc.bin', 'utf8'),
        hex: fs.readFileSync('/tmp/enc.bin', { encoding: 'hex' }),
        base64: fs.readFileSync('/tmp/enc.bin').toString('base64'),
        latin1: fs.readFileSync('/tmp/latin.txt', 'latin1'),
        latinSize: fs.statSync('/tmp/latin.txt').size,
        bytes: [...fs.readFileSync('/tmp/u8.bin')],
        isBuffer: Buffer.isBuffer(fs.readFileSync('/tmp/u8.bin')),
      };`,
    );
    expect(out).toEqual({
      utf8: 'hello world!',
      hex: Buffer.from('hello world!').toString('hex'),
      base64: Buffer.from('hello world!').toString('base64'),
      latin1: 'café',
      latinSize: 4,
      bytes: [1, 2, 3, 250],
      isBuffer: true,
    });
  });

  it('moves files bigger than one host call intact', async () => {
    const out = await ok(
      'probe',
      `const big = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
      fs.writeFileSync('/tmp/big.bin', big);
      const back = fs.readFileSync('/tmp/big.bin');
      const fd = fs.openSync('/tmp/big.bin', 'r');
      const part = Buffer.alloc(2 * 1024 * 1024);
      const n = fs.readSync(fd, part, 0, part.length, 1024 * 1024 - 5);
      fs.closeSync(fd);
      fs.unlinkSync('/tmp/big.bin');
      return { size: back.length, same: back.equals(big), n, partSame: part.equals(big.subarray(1024 * 1024 - 5, 3 * 1024 * 1024 - 5)) };`,
    );
    expect(out).toEqual({ size: 3 * 1024 * 1024 + 17, same: true, n: 2 * 1024 * 1024, partSame: true });
  });
});

describe('file descriptors and streams', () => {
  it('opens, writes, reads, truncates and closes by descriptor', async () => {
    const out = await ok(
      'probe',
      `const fd = fs.openSync('/tmp/fd.txt', 'w+');
      fs.writeSync(fd, 'hello ');
      fs.writeSync(fd, Buffer.from('world'));
      const buf = Buffer.alloc(11);
      const n = fs.readSync(fd, buf, 0, 11, 0);
      const size = fs.fstatSync(fd).size;
      fs.ftruncateSync(fd, 5);
      fs.writeSync(fd, '!', 5);
      fs.closeSync(fd);
      let again;
      try { fs.closeSync(fd); } catch (e) { again = e.code + ' ' + e.message; }
      const excl = (() => { try { fs.openSync('/tmp/fd.txt', 'wx'); } catch (e) { return e.code; } })();
      const a = fs.openSync('/tmp/fd.txt', 'a');
      fs.writeSync(a, '?');
      fs.closeSync(a);
      const h = await fsp.open('/tmp/fh.txt', 'w+');
      await h.write('file handle');
      const { bytesRead, buffer } = await h.read(Buffer.alloc(4), 0, 4, 5);
      const whole = await h.readFile('utf8');
      await h.close();
      const viaCallback = await new Promise((resolve, reject) =>
        fs.open('/tmp/fh.txt', 'r', (e, d) => e ? reject(e) : fs.read(d, Buffer.alloc(4), 0, 4, 0, (e2, n2, b2) => {
          fs.close(d, () => resolve(e2 ? e2.code : b2.toString('utf8', 0, n2)));
        })));
      return { n, text: buf.toString(), size, after: fs.readFileSync('/tmp/fd.txt', 'utf8'), again, excl,
        bytesRead, part: buffer.toString(), whole, viaCallback };`,
    );
    expect(out).toEqual({
      n: 11,
      text: 'hello world',
      size: 11,
      after: 'hello!?',
      again: 'EBADF EBADF: bad file descriptor, close',
      excl: 'EEXIST',
      bytesRead: 4,
      part: 'hand',
      whole: '',
      viaCallback: 'file',
    });
  });

  it('bounds the descriptors an environment may hold open (EMFILE)', async () => {
    const out = await ok(
      'probe',
      `fs.writeFileSync('/tmp/many.txt', 'x');
      const fds = [];
      let error;
      try { for (let i = 0; i < 2000; i++) fds.push(fs.openSync('/tmp/many.txt', 'r')); } catch (e) { error = e.code; }
      const opened = fds.length;
      for (const fd of fds) fs.closeSync(fd);
      const afterwards = fs.readFileSync('/tmp/many.txt', 'utf8');
      return { opened, error, afterwards };`,
    );
    expect(out).toEqual({ opened: 1024, error: 'EMFILE', afterwards: 'x' });
  });

  it('streams: write, read in chunks, pipe, async iteration and errors as events', async () => {
    const out = await ok(
      'probe',
      `const done = (s, ev) => new Promise((resolve, reject) => { s.on(ev, resolve); s.on('error', reject); });
      const w = fs.createWriteStream('/tmp/stream.txt');
      w.write('alpha,');
      w.write(Buffer.from('beta,'));
      w.end('gamma', 'utf8');
      await done(w, 'finish');
      const chunks = [];
      const r = fs.createReadStream('/tmp/stream.txt', { highWaterMark: 4, encoding: 'utf8' });
      r.on('data', (c) => chunks.push(c));
      await done(r, 'end');
      const copy = fs.createReadStream('/tmp/stream.txt', { start: 6, end: 9 }).pipe(fs.createWriteStream('/tmp/copy.txt'));
      await done(copy, 'close');
      const pieces = [];
      for await (const c of fs.createReadStream('/tmp/stream.txt', { highWaterMark: 8 })) pieces.push(c.length);
      const missing = await new Promise((resolve) =>
        fs.createReadStream('/tmp/none.txt').on('error', (e) => resolve(e.code)).on('data', () => resolve('data')));
      return { chunks, written: w.bytesWritten, copy: fs.readFileSync('/tmp/copy.txt', 'utf8'), pieces, missing };`,
    );
    expect(out).toEqual({
      chunks: ['alph', 'a,be', 'ta,g', 'amma'],
      written: 16,
      copy: 'beta',
      pieces: [8, 8],
      missing: 'ENOENT',
    });
  });
});

describe('where a function may read and write', () => {
  it('refuses paths that leave /tmp, with EACCES', async () => {
    for (const path of [
      '/tmp/../etc/passwd',
      '/etc/passwd',
      '/var/task/../../etc/passwd',
      '/proc/self/environ',
    ]) {
      expect(await failure('probe', `fs.readFileSync(${JSON.stringify(path)})`)).toEqual({
        name: 'Error',
        message: `EACCES: permission denied, open '${path}'`,
        code: 'EACCES',
        errno: -13,
        syscall: 'open',
        path,
      });
    }
    expect(await failure('probe', `fs.writeFileSync('/tmp/a/../../x', 'no')`)).toMatchObject({
      code: 'EACCES',
      path: '/tmp/a/../../x',
    });
    expect(await failure('probe', `fs.readdirSync('/')`)).toMatchObject({
      code: 'EACCES',
      syscall: 'scandir',
    });
    expect(await failure('probe', `fs.renameSync('/tmp/greeting.txt', '/var/x')`)).toMatchObject({
      code: 'EACCES',
    });
    expect(
      await ok('probe', `return [fs.existsSync('/etc'), fs.existsSync('/tmp'), fs.existsSync('/var/task')]`),
    ).toEqual([false, true, true]);
    // Normalised before the check: these stay inside /tmp.
    expect(
      await ok(
        'probe',
        `fs.writeFileSync('/tmp//n/../n.txt/', 'ok'); return fs.readFileSync('/tmp/./n.txt', 'utf8')`,
      ),
    ).toBe('ok');
  });

  it('refuses NUL bytes, links and symlinks', async () => {
    expect(await failure('probe', `fs.readFileSync('/tmp/a\\u0000/../../etc/passwd')`)).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    expect(await failure('probe', `fs.symlinkSync('/etc/passwd', '/tmp/link')`)).toMatchObject({
      code: 'EPERM',
      syscall: 'symlink',
    });
    expect(await failure('probe', `fs.linkSync('/tmp/greeting.txt', '/tmp/hard')`)).toMatchObject({
      code: 'EPERM',
      syscall: 'link',
    });
    expect(await ok('probe', `return fs.existsSync('/tmp/link') || fs.existsSync('/tmp/hard')`)).toBe(false);
  });

  it('reads its own code under /var/task (the cwd), read-only', async () => {
    const out = await ok(
      'probe',
      `return {
        absolute: JSON.parse(fs.readFileSync('/var/task/data/config.json', 'utf8')).greeting,
        relative: JSON.parse(fs.readFileSync('data/config.json')).greeting,
        listing: fs.readdirSync('/var/task').sort(),
        isFile: fs.statSync('/var/task/index.js').isFile(),
        copied: (fs.copyFileSync('/var/task/data/config.json', '/tmp/config.json'), fs.readFileSync('/tmp/config.json', 'utf8')),
        cwd: process.cwd(),
      };`,
    );
    expect(out).toEqual({
      absolute: 'hello from the code',
      relative: 'hello from the code',
      listing: ['data', 'index.js'],
      isFile: true,
      copied: '{"greeting":"hello from the code"}',
      cwd: '/var/task',
    });
    for (const code of [
      `fs.writeFileSync('out.txt', 'x')`,
      `fs.writeFileSync('/var/task/index.js', 'x')`,
      `fs.appendFileSync('/var/task/data/config.json', 'x')`,
      `fs.unlinkSync('/var/task/index.js')`,
      `fs.mkdirSync('/var/task/new')`,
      `fs.renameSync('/var/task/index.js', '/tmp/stolen.js')`,
      `fs.accessSync('/var/task/index.js', fs.constants.W_OK)`,
    ]) {
      expect(await failure('probe', code)).toMatchObject({ code: 'EROFS', errno: -30 });
    }
    expect(await failure('probe', `fs.writeFileSync('out.txt', 'x')`)).toMatchObject({
      message: "EROFS: read-only file system, open 'out.txt'",
    });
  });

  it('never shares /tmp between functions', async () => {
    await ok('probe', `fs.writeFileSync('/tmp/secret.txt', 'probe only')`);
    expect(await failure('other', `fs.readFileSync('/tmp/secret.txt')`)).toMatchObject({ code: 'ENOENT' });
  });

  it('gives concurrent environments of one function separate directories', async () => {
    const code = `const me = Math.random().toString(36).slice(2);
      fs.writeFileSync('/tmp/' + me, me);
      await new Promise((r) => setTimeout(r, 600));
      return { me, seen: fs.readdirSync('/tmp') };`;
    const [a, b] = await Promise.all([ok('isolation', code), ok('isolation', code)]);
    expect(a.me).not.toBe(b.me);
    expect(a.seen).toEqual([a.me]);
    expect(b.seen).toEqual([b.me]);
  });

  it('starts a new environment empty after a configuration change', async () => {
    await ok('isolation', `fs.writeFileSync('/tmp/before-update', '1')`);
    expect(await ok('isolation', `return fs.existsSync('/tmp/before-update')`)).toBe(true);
    await configure('isolation', { Description: 'changed' });
    expect(await ok('isolation', `return fs.readdirSync('/tmp')`)).toEqual([]);
  });
});

describe('ephemeral storage size', () => {
  it('refuses writes past 512 MB with ENOSPC, and works again after deleting', async () => {
    const mb = 1024 * 1024;
    const out = await ok(
      'quota',
      `const mb = ${mb};
      const codes = [];
      const attempt = (fn) => { try { fn(); codes.push('ok'); } catch (e) { codes.push(e.message); } };
      fs.writeFileSync('/tmp/filler', '');
      attempt(() => fs.truncateSync('/tmp/filler', 511 * mb));
      // Written in 1 MB pieces: the first fits, as on a disk that fills up half-way through a write.
      attempt(() => fs.writeFileSync('/tmp/more', Buffer.alloc(2 * mb)));
      const partial = fs.statSync('/tmp/more').size;
      attempt(() => fs.truncateSync('/tmp/filler', 513 * mb));
      attempt(() => fs.copyFileSync('/tmp/filler', '/tmp/filler-copy'));
      attempt(() => fs.writeFileSync('/tmp/small', 'x'));
      fs.unlinkSync('/tmp/filler');
      attempt(() => fs.writeFileSync('/tmp/more', Buffer.alloc(2 * mb)));
      attempt(() => fs.writeFileSync('/tmp/small', Buffer.alloc(mb / 2)));
      return { codes, partial, files: fs.readdirSync('/tmp').sort() };`,
    );
    expect(out).toEqual({
      codes: [
        'ok',
        'ENOSPC: no space left on device, write',
        'ENOSPC: no space left on device, ftruncate',
        "ENOSPC: no space left on device, copyfile '/tmp/filler' -> '/tmp/filler-copy'",
        'ENOSPC: no space left on device, write',
        'ok',
        'ok',
      ],
      partial: mb,
      files: ['more', 'small'],
    });
  });

  it('caps the number of files and directories too', async () => {
    const out = await ok(
      'other',
      `let made = 0;
      let error;
      try { for (;;) { fs.mkdirSync('/tmp/d' + made); made++; } } catch (e) { error = e.message; }
      for (let i = 0; i < made; i++) fs.rmdirSync('/tmp/d' + i);
      fs.writeFileSync('/tmp/after', 'fine');
      return { made, error, after: fs.readFileSync('/tmp/after', 'utf8') };`,
    );
    expect(out).toEqual({
      made: 20_000,
      error: "ENOSPC: no space left on device, mkdir '/tmp/d20000'",
      after: 'fine',
    });
  });

  it('is raised by EphemeralStorage (and the change starts a fresh environment)', async () => {
    const updated = await configure('quota', { EphemeralStorage: { Size: 1024 } });
    expect(updated.EphemeralStorage).toEqual({ Size: 1024 });
    const got = await server.lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'quota' }));
    expect(got.EphemeralStorage).toEqual({ Size: 1024 });
    const out = await ok(
      'quota',
      `const mb = 1024 * 1024;
      const before = fs.readdirSync('/tmp');
      fs.writeFileSync('/tmp/filler', '');
      fs.truncateSync('/tmp/filler', 1000 * mb);
      let over;
      try { fs.truncateSync('/tmp/filler', 1025 * mb); } catch (e) { over = e.code; }
      fs.unlinkSync('/tmp/filler');
      return { before, over };`,
    );
    expect(out).toEqual({ before: [], over: 'ENOSPC' });
  });

  it('is validated with Lambda messages', async () => {
    const lambda = server.lambda();
    const bad = async (send: () => Promise<unknown>) => {
      try {
        await send();
      } catch (e) {
        return e;
      }
      throw new Error('expected a validation error');
    };
    const small = await bad(() => configure('quota', { EphemeralStorage: { Size: 100 } }));
    expect(small).toBeInstanceOf(InvalidParameterValueException);
    expect((small as Error).message).toBe(
      "1 validation error detected: Value '100' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512",
    );
    const large = await bad(() => configure('quota', { EphemeralStorage: { Size: 10241 } }));
    expect((large as Error).message).toBe(
      "1 validation error detected: Value '10241' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240",
    );
    const missing = await bad(() => configure('quota', { EphemeralStorage: {} as { Size: number } }));
    expect((missing as Error).message).toContain("Value null at 'ephemeralStorage.size'");
    const { CreateFunctionCommand } = await import('@aws-sdk/client-lambda');
    const created = await bad(async () =>
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'too-small',
          Runtime: 'nodejs20.x',
          Role: testRole,
          Handler: 'index.handler',
          Code: { ZipFile: await makeZip(probeFiles) },
          EphemeralStorage: { Size: 511 },
        }),
      ),
    );
    expect(created).toBeInstanceOf(InvalidParameterValueException);
    expect((created as Error).message).toContain('greater than or equal to 512');
    const still = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'quota' }));
    expect(still.EphemeralStorage).toEqual({ Size: 1024 });
  });
});

describe('the host directory of an environment', () => {
  it('appears on first use and is removed when the environment is disposed', async () => {
    const before = new Set(tmpDirs(server));
    await ok('disposal', `return 1`);
    expect(tmpDirs(server).filter((d) => !before.has(d))).toEqual([]);
    await ok('disposal', `fs.writeFileSync('/tmp/kept', 'x')`);
    const added = tmpDirs(server).filter((d) => !before.has(d));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^\d+-\d+$/);
    expect(readdirSync(join(server.dataDir, 'tmp', added[0]))).toEqual(['kept']);
    await configure('disposal', { Description: 'retire the warm environment' });
    await waitFor(async () => (tmpDirs(server).includes(added[0]) ? undefined : true));
  });

  it('is removed when the environment is thrown away after an error', async () => {
    const before = new Set(tmpDirs(server));
    const r = await invoke(server.lambda(), 'exits', {
      code: `fs.writeFileSync('/tmp/partial', 'x');
        setTimeout(() => process.exit(3), 0);
        await new Promise((r) => setTimeout(r, 200));`,
    });
    expect(r.functionError).toBe('Unhandled');
    expect(tmpDirs(server).filter((d) => !before.has(d))).toEqual([]);
  });

  it('leftovers of killed servers are removed when islet starts', async () => {
    const s = await startServer({ args: ['--executors', '1'] });
    try {
      await deploy(s.lambda(), 'leftover', probeFiles);
      const r = await invoke(s.lambda(), 'leftover', { code: `fs.writeFileSync('/tmp/x', 'x')` });
      expect(r.payload).toEqual({});
      const [dir] = tmpDirs(s);
      expect(dir).toMatch(/^\d+-\d+$/);
      await s.kill9();
      // A stray directory too, as an executor killed mid-write would leave.
      mkdirSync(join(s.dataDir, 'tmp', '1-1'), { recursive: true });
      writeFileSync(join(s.dataDir, 'tmp', '1-1', 'junk'), 'junk');
      expect(tmpDirs(s).sort()).toEqual([dir, '1-1'].sort());
      const again = await startServer({ dataDir: s.dataDir, args: ['--executors', '1'] });
      try {
        expect(tmpDirs(again)).toEqual([]);
      } finally {
        await again.stop();
      }
    } finally {
      await s.kill9();
      s.cleanup();
    }
  });
});
