import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke, waitFor } from './helpers/functions';
import { isletBin, startServer, type TestServer } from './helpers/server';

// `islet logs` and `islet metrics` against a real server, through its CloudWatch Logs and
// CloudWatch APIs: unsigned without credentials, signed with them.

let server: TestServer;

const noCredentials = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  ISLET_ACCESS_KEY_ID: '',
  ISLET_SECRET_ACCESS_KEY: '',
};

/** Runs the islet CLI to its end. */
function islet(args: string[], env: Record<string, string> = noCredentials) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['--no-node-snapshot', isletBin, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(server.lambda(), 'talker', {
    'index.js': `exports.handler = async (e) => {
      console.log('said', e.word);
      if (e.fail) throw new Error('broken ' + e.word);
      return e.word;
    };`,
  });
  await deploy(server.lambda(), 'silent', { 'index.js': 'exports.handler = async () => 1;' });
  await invoke(server.lambda(), 'talker', { word: 'apple' });
  await invoke(server.lambda(), 'talker', { word: 'banana' });
  await invoke(server.lambda(), 'talker', { word: 'cherry', fail: true });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('islet logs', () => {
  it('prints the log lines as they are, oldest first', async () => {
    const out = await islet(['logs', 'talker', '--endpoint', server.url]);
    expect(out.status).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(lines.filter((l) => l.startsWith('START '))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('REPORT RequestId: '))).toHaveLength(3);
    const said = lines.filter((l) => l.includes('\tINFO\tsaid '));
    expect(said.map((l) => l.split('\t')[3])).toEqual(['said apple', 'said banana', 'said cherry']);
    expect(out.stdout).toContain('broken cherry');
  });

  it('filters with a pattern, prints JSON lines, and signs when credentials are set', async () => {
    const filtered = await islet(['logs', 'talker', '--endpoint', server.url, '--filter', 'said -banana']);
    expect(
      filtered.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t')[3]),
    ).toEqual(['said apple', 'said cherry']);
    const json = await islet(
      ['logs', 'talker', '--endpoint', server.url, '--filter', '"said apple"', '--json'],
      {
        AWS_ACCESS_KEY_ID: 'someone',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    );
    expect(json.status).toBe(0);
    const events = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(1);
    expect(events[0].message).toMatch(/\tINFO\tsaid apple\n$/);
    expect(events[0].logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\]/);
    expect(Date.parse(events[0].timestamp)).toBeGreaterThan(Date.now() - 600_000);
    const early = await islet(['logs', 'talker', '--endpoint', server.url, '--since', '1s']);
    expect(early).toMatchObject({ status: 0, stdout: '' });
  });

  it('follows new events until stopped', async () => {
    const p = spawn(
      process.execPath,
      [
        '--no-node-snapshot',
        isletBin,
        'logs',
        'talker',
        '--endpoint',
        server.url,
        '--since',
        '1s',
        '--follow',
      ],
      { env: { ...process.env, ...noCredentials } },
    );
    let stdout = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise((r) => p.once('exit', r));
    try {
      await new Promise((r) => setTimeout(r, 500));
      await invoke(server.lambda(), 'talker', { word: 'damson' });
      await waitFor(async () => (stdout.includes('said damson') ? true : undefined));
      await invoke(server.lambda(), 'talker', { word: 'elder' });
      await waitFor(async () => (stdout.includes('said elder') ? true : undefined));
    } finally {
      p.kill('SIGTERM');
      await exited;
    }
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('\tINFO\tsaid '))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('START '))).toHaveLength(2);
    expect(stdout).not.toContain('said apple');
  });

  it('prints nothing for a function that has not logged, and fails for unknown functions and servers', async () => {
    const silent = await islet(['logs', 'silent', '--endpoint', server.url]);
    expect(silent).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const unknown = await islet(['logs', 'nobody', '--endpoint', server.url]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('islet: ResourceNotFoundException: Function not found: nobody\n');
    const badPattern = await islet(['logs', 'talker', '--endpoint', server.url, '--filter', '{ $.x = 1 }']);
    expect(badPattern.status).toBe(1);
    expect(badPattern.stderr).toContain(
      'islet: InvalidParameterException: islet does not support JSON filter patterns',
    );
    const badSince = await islet(['logs', 'talker', '--endpoint', server.url, '--since', 'yesterday']);
    expect(badSince.status).toBe(2);
    expect(badSince.stderr).toContain("invalid --since 'yesterday'");
    const down = await islet(['logs', 'talker', '--endpoint', 'http://127.0.0.1:1']);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('islet: cannot reach http://127.0.0.1:1');
    const byEnv = await islet(['logs', 'talker'], { ...noCredentials, ISLET_ENDPOINT: server.url });
    expect(byEnv.status).toBe(0);
    expect(byEnv.stdout).toContain('said apple');
  });
});

describe('islet metrics', () => {
  it("prints a function's figures per period as a table, or JSON", async () => {
    const out = await islet([
      'metrics',
      'talker',
      '--endpoint',
      server.url,
      '--since',
      '10m',
      '--period',
      '1200',
    ]);
    expect(out.status).toBe(0);
    const [head, ...rows] = out.stdout.trimEnd().split('\n');
    expect(head!.split(/\s{2,}/)).toEqual([
      'TIME (UTC)',
      'INVOCATIONS',
      'ERRORS',
      'THROTTLES',
      'AVG MS',
      'P99 MS',
      'MAX MS',
      'COLD STARTS',
      'CONCURRENCY',
    ]);
    expect(rows).toHaveLength(1);
    const cells = rows[0]!.split(/\s{2,}/);
    expect(cells[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(cells.slice(1, 4)).toEqual([expect.stringMatching(/^[3-5]$/), '1', '0']);
    const json = await islet(['metrics', 'talker', '--endpoint', server.url, '--json']);
    const perMinute = JSON.parse(json.stdout) as Array<{
      timestamp: string;
      invocations: number;
      errors?: number;
    }>;
    expect(perMinute.reduce((n, r) => n + r.invocations, 0)).toBe(Number(cells[1]));
    expect(perMinute.every((r) => r.timestamp.endsWith(':00.000Z'))).toBe(true);
  });

  it('summarises every function and the account without a name', async () => {
    const out = await islet(['metrics', '--endpoint', server.url], {
      AWS_ACCESS_KEY_ID: 'someone',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(out.status).toBe(0);
    const rows = out.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/));
    expect(rows[0]![0]).toBe('FUNCTION');
    expect(rows.slice(1).map((r) => r[0])).toEqual(['talker', '(all functions)']);
    expect(rows[1]![1]).toBe(rows[2]![1]);
    const json = JSON.parse((await islet(['metrics', '--endpoint', server.url, '--json'])).stdout);
    expect(json.map((r: { functionName: string | null }) => r.functionName)).toEqual(['talker', null]);
  });

  it('says so when a function has no invocations, and fails for unknown functions and bad options', async () => {
    const silent = await islet(['metrics', 'silent', '--endpoint', server.url]);
    expect(silent).toMatchObject({ status: 0, stdout: 'no invocations of silent in the last 1h\n' });
    const unknown = await islet(['metrics', 'nobody', '--endpoint', server.url]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('islet: ResourceNotFoundException: Function not found: nobody\n');
    const period = await islet(['metrics', 'talker', '--endpoint', server.url, '--period', '90']);
    expect(period.status).toBe(2);
    expect(period.stderr).toContain("invalid --period '90'");
    const down = await islet(['metrics', '--endpoint', 'http://127.0.0.1:1']);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('is the server running?');
  });
});
