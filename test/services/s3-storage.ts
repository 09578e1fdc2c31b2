import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** An s3rver (a real S3-API server on disk) in its own process. */
export interface S3Storage {
  endpoint: string;
  stop(): Promise<void>;
}

// s3rver signs ListObjectsV2 continuation tokens with DES, which Node 24's OpenSSL offers only
// through its legacy provider; the flag is given to s3rver's process alone.
const script = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.env.S3RVER_DIR });
server.run().then(({ port }) => console.log(JSON.stringify({ port })));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

/** Starts s3rver on a free port with a fresh directory; stop() ends it and removes the directory. */
export async function startS3Storage(): Promise<S3Storage> {
  const dir = mkdtempSync(join(tmpdir(), 'islet-s3rver-'));
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      S3RVER_MODULE: require.resolve('s3rver', { paths: [resolve(__dirname, '../..')] }),
      S3RVER_DIR: dir,
    },
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let out = '';
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`s3rver did not start:\n${out}`)), 15_000);
    child.stderr!.on('data', (d) => {
      out += d;
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`s3rver exited with ${code}:\n${out}`));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
