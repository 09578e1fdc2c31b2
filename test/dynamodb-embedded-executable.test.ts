import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// dist/islet alone in an empty directory, no Node and no node_modules: islet's own tables work,
// their LevelDB addon extracted to the cache directory only by the process that opens them.

const root = resolve(__dirname, '..');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** sha256 of the classic-level addon the build embeds. */
function levelAddonHash(): string {
  const dir = dirname(createRequire(join(root, 'package.json')).resolve('classic-level/package.json'));
  return sha256(createRequire(join(dir, 'package.json'))('node-gyp-build').path(dir) as string);
}

/** Starts the executable on a data dir; resolves with its URL and a way to stop it. */
async function serve(dir: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(
    './islet',
    ['serve', '--port', '0', '--data', './data', '--executors', '1', '--log-level', 'warn'],
    { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
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
  return {
    url,
    output: () => out,
    async kill(signal: NodeJS.Signals) {
      child.kill(signal);
      await exited;
    },
  };
}

describe.skipIf(process.platform !== 'linux')("islet's own tables in the single executable", () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build-exe.mjs')], {
      stdio: 'pipe',
      timeout: 170_000,
    });
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'islet-exe-ddb-')));
    copyFileSync(join(root, 'dist/islet'), join(dir, 'islet'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'home'));
    env = { PATH: join(dir, 'bin'), HOME: join(dir, 'home'), ISLET_CACHE_DIR: join(dir, 'cache') };
  }, 180_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a table, writes and reads it, and keeps it across a kill -9', async () => {
    const first = await serve(dir, env);
    const ddb = (url: string) =>
      new DynamoDBClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        maxAttempts: 1,
      });
    let client = ddb(first.url);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'exe-table',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client.send(
        new PutItemCommand({ TableName: 'exe-table', Item: { id: { S: 'k' }, v: { N: '7' } } }),
      );
    } finally {
      client.destroy();
      await first.kill('SIGKILL');
    }
    expect(readdirSync(join(dir, 'cache'))).toContain(`classic_level-${levelAddonHash()}.node`);
    expect(readdirSync(join(dir, 'data'))).toContain('dynamodb');

    const second = await serve(dir, env);
    client = ddb(second.url);
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(['exe-table']);
      const got = await client.send(new GetItemCommand({ TableName: 'exe-table', Key: { id: { S: 'k' } } }));
      expect(got.Item).toEqual({ id: { S: 'k' }, v: { N: '7' } });
      expect(second.output()).not.toContain('dynamodb.unavailable');
    } finally {
      client.destroy();
      await second.kill('SIGTERM');
    }
  }, 60_000);
});
