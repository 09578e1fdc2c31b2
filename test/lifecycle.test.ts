import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ServiceException } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { isletBin, startServer } from './helpers/server';

const root = resolve(__dirname, '..');
const pkgVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
  .version;

const tempDirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'islet-life-'));
  tempDirs.push(d);
  return d;
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** The environment of this process without any ISLET_* variable, plus `extra`. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ISLET_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs node with these args; collects stdout/stderr; resolves helpers to wait for output or exit. */
function run(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? root,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    /** Resolves with the first stdout match of `re` (fails if the process exits first). */
    waitFor(re: RegExp): Promise<RegExpExecArray> {
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () => rej(new Error(`timed out waiting for ${re}:\n${stdout}${stderr}`)),
          20_000,
        );
        const check = () => {
          const m = re.exec(stdout);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', check);
            res(m);
          }
        };
        child.stdout!.on('data', check);
        check();
        void exited.then(() => {
          clearTimeout(timer);
          rej(new Error(`exited before ${re}:\n${stdout}${stderr}`));
        });
      });
    },
  };
}

/** Whether a process still exists (a zombie awaiting its reaper has exited, so it does not count). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('serve: addresses and data dir', () => {
  it('binds --port/--host and uses --data, answering ListFunctions as soon as it says it listens', async () => {
    const port = await freePort();
    const data = join(tempDir(), 'explicit-data');
    // The flags win over the environment: ISLET_PORT=abc would be an error if it were read.
    const p = run(
      [
        '--no-node-snapshot',
        isletBin,
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--data',
        data,
        '--executors',
        '1',
        '--log-level',
        'warn',
      ],
      { env: cleanEnv({ ISLET_PORT: 'abc', ISLET_HOST: '127.0.0.2' }) },
    );
    await p.waitFor(/listening on/);
    const res = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Functions: unknown[]; NextMarker?: unknown };
    expect(body.Functions).toEqual([]);
    expect(body.NextMarker ?? null).toBeNull();
    expect(p.stdout()).toContain(
      `islet ${pkgVersion} listening on http://127.0.0.1:${port} (data: ${data})\n`,
    );
    expect(existsSync(join(data, 'islet.db'))).toBe(true);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(0);
  });

  it('reads ISLET_PORT, ISLET_HOST and ISLET_DATA when the flags are absent', async () => {
    const port = await freePort();
    const cwd = tempDir();
    const p = run(['--no-node-snapshot', isletBin, 'serve'], {
      cwd,
      env: cleanEnv({
        ISLET_PORT: String(port),
        ISLET_HOST: '127.0.0.2', // all of 127/8 is loopback on Linux; differs from the default 127.0.0.1
        ISLET_DATA: 'state',
        ISLET_EXECUTORS: '1',
        ISLET_LOG_LEVEL: 'warn',
      }),
    });
    try {
      await p.waitFor(/listening on/);
      const res = await fetch(`http://127.0.0.2:${port}/2015-03-31/functions`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { Functions: unknown[] }).Functions).toEqual([]);
      expect(p.stdout()).toContain(`listening on http://127.0.0.2:${port} (data: ${join(cwd, 'state')})\n`);
      expect(existsSync(join(cwd, 'state', 'islet.db'))).toBe(true);
      // At warn level the only line is the local-mode notice (no IAM roles yet).
      expect(
        p
          .stderr()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).event),
      ).toEqual(['iam.local_mode']);
    } finally {
      process.kill(p.child.pid!, 'SIGTERM');
    }
    expect((await p.exited).code).toBe(0);
  });

  it.each([
    [['--port', 'abc'], "islet: invalid port: 'abc' (expected an integer from 0 to 65535)"],
    [['--concurrency', '0'], "islet: invalid concurrency: '0' (expected an integer from 1 to 1000000)"],
  ])('exits with code 2 on serve %j', async (flags, message) => {
    const dir = tempDir();
    const p = run(['--no-node-snapshot', isletBin, 'serve', '--data', join(dir, 'd'), ...flags], {
      cwd: dir,
    });
    const { code } = await p.exited;
    expect(code).toBe(2);
    expect(p.stderr()).toBe(`${message}\n`);
    expect(p.stdout()).not.toContain('listening on');
    expect(existsSync(join(dir, 'd'))).toBe(false);
  });
});

describe('version', () => {
  it('node dist/islet.cjs --version prints the package version', async () => {
    const p = run(['--no-node-snapshot', isletBin, '--version']);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout()).toBe(`${pkgVersion}\n`);
  });

  it('bin/islet.cjs --version (what npx islet runs) prints it too', async () => {
    const p = run([join(root, 'bin', 'islet.cjs'), '--version']);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout()).toBe(`${pkgVersion}\n`);
  });
});

describe('SIGTERM', () => {
  it('drains in-flight invocations, refuses new ones, stops its executors and exits 0', async () => {
    const server = await startServer({ args: ['--executors', '1'] });
    try {
      const client = server.lambda();
      await deploy(
        client,
        'drain-slow',
        {
          'index.js':
            "exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); return 'done'; };",
        },
        { Timeout: 5 },
      );
      const executors = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.pid)], { encoding: 'utf8' })
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
      expect(executors.length).toBeGreaterThanOrEqual(1);
      for (const pid of executors) expect(alive(pid)).toBe(true);

      const inflight = invoke(client, 'drain-slow');
      await new Promise((r) => setTimeout(r, 200));
      const exitCode = server.stop(); // SIGTERM
      let exitedEarly = false;
      void exitCode.then(() => {
        exitedEarly = true;
      });
      await new Promise((r) => setTimeout(r, 200));

      // A new invocation while draining is refused with ServiceException.
      const refused = await invoke(client, 'drain-slow').then(
        () => expect.fail('expected the invocation to be refused'),
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(ServiceException);
      expect((refused as ServiceException).$metadata.httpStatusCode).toBe(500);
      expect((refused as ServiceException).message).toBe(
        'islet is shutting down; retry against another instance',
      );
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'stopping' });
      expect(exitedEarly).toBe(false);

      const r = await inflight;
      const answeredAt = performance.now();
      expect(r.functionError).toBeUndefined();
      expect(r.payload).toBe('done');
      expect(await exitCode).toBe(0);
      const exitDelayMs = performance.now() - answeredAt;

      for (const pid of executors) expect(alive(pid)).toBe(false);
      const after = await fetch(`${server.url}/healthz`).then(
        () => 'answered',
        (e: Error & { cause?: { code?: string } }) => e.cause?.code,
      );
      expect(after).toBe('ECONNREFUSED');
      // Once nothing is in flight, shutdown must not linger (e.g. waiting out the keep-alive timeout of
      // the caller's now idle connection). A generous bound: stopping one executor and the store is quick.
      expect(exitDelayMs).toBeLessThan(3000);
    } finally {
      await server.kill9();
      server.cleanup();
    }
  });
});
