import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';

// dist/islet (npm run build:exe) copied ALONE into an empty directory and run with no Node on PATH
// and no node_modules anywhere: serve, executors and isolated-vm must all come from that one file.

const root = resolve(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** sha256 of the isolated-vm addon that the build embeds (the one node-gyp-build picks for this Node). */
function addonHash(): string {
  const ivmDir = dirname(createRequire(join(root, 'package.json')).resolve('isolated-vm/package.json'));
  const addon = createRequire(join(ivmDir, 'package.json'))('node-gyp-build').path(ivmDir) as string;
  return sha256(addon);
}

/** PIDs whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Whether `pid` runs (and is not a zombie). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('single executable (dist/islet)', () => {
  let dir: string;
  let exe: string;
  let env: Record<string, string>;
  let buildMs: number;

  beforeAll(() => {
    const started = Date.now();
    execFileSync(process.execPath, [join(root, 'scripts/build-exe.mjs')], {
      stdio: 'pipe',
      timeout: 170_000,
    });
    buildMs = Date.now() - started;
    console.log(`executable: scripts/build-exe.mjs took ${buildMs} ms`);

    dir = realpathSync(mkdtempSync(join(tmpdir(), 'islet-exe-test-')));
    exe = join(dir, 'islet');
    copyFileSync(join(root, 'dist/islet'), exe);
    // PATH holds only an empty directory: the machine's own node (e.g. /usr/bin/node) is out of reach.
    mkdirSync(join(dir, 'bin'));
    env = { PATH: join(dir, 'bin'), HOME: join(dir, 'home') };
    mkdirSync(env.HOME);
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs alone: no node on PATH and nothing but the executable in its directory', () => {
    expect(readdirSync(dir).sort()).toEqual(['bin', 'home', 'islet']);
    for (const p of env.PATH.split(delimiter)) expect(existsSync(join(p, 'node'))).toBe(false);
    expect(statSync(exe).mode & 0o111).toBe(0o111);
  });

  it('--version prints the package version and extracts the addon once to ~/.cache/islet', () => {
    const run = () => execFileSync('./islet', ['--version'], { cwd: dir, env, encoding: 'utf8' });
    expect(run()).toBe(`${pkg.version}\n`);
    const hash = addonHash();
    const cached = join(env.HOME, '.cache/islet', `isolated_vm-${hash}.node`);
    expect(readdirSync(join(env.HOME, '.cache/islet'))).toEqual([`isolated_vm-${hash}.node`]);
    expect(sha256(cached)).toBe(hash);

    // Reused as it is on the next start (same inode: not rewritten).
    const ino = statSync(cached).ino;
    expect(run()).toBe(`${pkg.version}\n`);
    expect(statSync(cached).ino).toBe(ino);

    // A damaged copy is replaced (by rename: a new inode) and the executable still works.
    writeFileSync(cached, 'not an addon');
    expect(run()).toBe(`${pkg.version}\n`);
    expect(sha256(cached)).toBe(hash);
    expect(statSync(cached).ino).not.toBe(ino);
    expect(readdirSync(join(env.HOME, '.cache/islet'))).toEqual([`isolated_vm-${hash}.node`]);
  });

  it('serves the Lambda API: create + invoke through executors spawned from the same file; SIGTERM exits 0', async () => {
    const cacheDir = join(dir, 'cache');
    const started = performance.now();
    const child: ChildProcess = spawn(
      './islet',
      ['serve', '--port', '0', '--data', './data', '--executors', '1', '--log-level', 'warn'],
      { cwd: dir, env: { ...env, ISLET_CACHE_DIR: cacheDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    try {
      const url = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`islet did not start:\n${out}`)), 20_000);
        child.stdout!.on('data', () => {
          const m = /listening on (http:\/\/[^:\s]+:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res(m[1]);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          rej(new Error(`islet exited with ${code} before listening:\n${out}`));
        });
      });
      const listeningMs = performance.now() - started;
      expect(out).toContain(`islet ${pkg.version} listening on ${url} (data: `);

      const client = new LambdaClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
      await deploy(client, 'exe-hello', {
        'index.js':
          "const util = require('util'); exports.handler = async (e) => ({ hi: util.format('%s!', e.name), b: Buffer.from('x').toString('hex'), u: new URL('http://a/b?c=d').searchParams.get('c') });",
      });
      const r = await invoke(client, 'exe-hello', { name: 'islet' });
      const firstResponseMs = performance.now() - started;
      console.log(
        `executable: listening after ${listeningMs.toFixed(0)} ms, first invoke answered after ${firstResponseMs.toFixed(0)} ms (build ${buildMs} ms)`,
      );
      expect(r.status).toBe(200);
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toEqual({ hi: 'islet!', b: '78', u: 'd' });
      expect(r.log).toMatch(/^START RequestId: [0-9a-f-]+ Version: \$LATEST\n/);
      client.destroy();

      // The executors are the executable itself, not some node; the addon came from ISLET_CACHE_DIR.
      const executors = childrenOf(child.pid!);
      expect(executors.length).toBeGreaterThanOrEqual(1);
      for (const pid of executors) {
        expect(readlinkSync(`/proc/${pid}/exe`)).toBe(exe);
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('executor');
        const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
        expect(maps).toContain(join(cacheDir, `isolated_vm-${addonHash()}.node`));
      }
      expect(existsSync(join(dir, 'data'))).toBe(true);

      process.kill(child.pid!, 'SIGTERM');
      expect(await exited).toBe(0);
      const deadline = Date.now() + 5000;
      while (executors.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(executors.filter(alive)).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it("serves islet's own DynamoDB tables: LevelDB's addon extracted beside isolated-vm's, a table kept across kill -9", async () => {
    const levelDir = dirname(createRequire(join(root, 'package.json')).resolve('classic-level/package.json'));
    const levelAddon = createRequire(join(levelDir, 'package.json'))('node-gyp-build').path(
      levelDir,
    ) as string;
    const cacheDir = join(dir, 'tables-cache');
    const serveTables = async () => {
      const child = spawn(
        './islet',
        ['serve', '--port', '0', '--data', './tables-data', '--executors', '1'],
        {
          cwd: dir,
          env: { ...env, ISLET_CACHE_DIR: cacheDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      child.stderr!.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<void>((res) => child.once('exit', () => res()));
      const url = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`islet did not start:\n${out}`)), 20_000);
        child.stdout!.on('data', () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res(m[1]!);
          }
        });
      });
      const ddb = new DynamoDBClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      });
      const kill = async () => {
        ddb.destroy();
        child.kill('SIGKILL');
        await exited;
      };
      return { ddb, kill, output: () => out };
    };
    const first = await serveTables();
    try {
      await first.ddb.send(
        new CreateTableCommand({
          TableName: 'exe-table',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await first.ddb.send(
        new PutItemCommand({ TableName: 'exe-table', Item: { id: { S: 'k' }, v: { N: '7' } } }),
      );
    } finally {
      await first.kill();
    }
    expect(readdirSync(cacheDir)).toContain(`classic_level-${sha256(levelAddon)}.node`);
    const second = await serveTables();
    try {
      const got = await second.ddb.send(
        new GetItemCommand({ TableName: 'exe-table', Key: { id: { S: 'k' } } }),
      );
      expect(got.Item).toEqual({ id: { S: 'k' }, v: { N: '7' } });
      expect(second.output()).not.toContain('dynamodb.unavailable');
    } finally {
      await second.kill();
    }
  });
});
