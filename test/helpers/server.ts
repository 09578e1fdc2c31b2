import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';

/** Path of the built islet (npm test builds it first). */
export const isletBin = resolve(__dirname, '../../dist/islet.cjs');

/** A real islet server process started by a test. */
export interface TestServer {
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** A LambdaClient pointed at this server. */
  lambda(): LambdaClient;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL by PID, then wait for exit. */
  kill9(): Promise<void>;
  /** Removes the data dir (call after stop unless the dir is reused). */
  cleanup(): void;
}

/** Options for startServer. */
export interface StartOptions {
  /** Reuse a data dir (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Extra CLI flags after `serve`. */
  args?: string[];
  env?: Record<string, string>;
}

/** Starts `islet serve --port 0` and resolves once it prints its address. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'islet-test-'));
  const child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      isletBin,
      'serve',
      '--port',
      '0',
      '--data',
      dataDir,
      '--log-level',
      'warn',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`islet did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`islet exited with ${code} before listening:\n${out}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    pid: child.pid!,
    dataDir,
    process: child,
    output: () => out,
    lambda: () =>
      new LambdaClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
