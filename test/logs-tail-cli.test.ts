import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { deploy, invoke, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

/** `aws logs tail` (AWS CLI v2, Debian's awscli) against islet's CloudWatch Logs API. */
const cliV2 = existsSync('/usr/bin/aws');
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(server.lambda(), 'tailed', {
    'index.js': 'exports.handler = async (e) => { console.log("tail line", e.n); return e.n; };',
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe.skipIf(!cliV2)('aws logs tail', () => {
  it('prints the log group, then follows new invocations', async () => {
    await invoke(server.lambda(), 'tailed', { n: 1 });
    const once = await awsCli(server.url, 'logs', 'tail', '/aws/lambda/tailed', '--since', '1h');
    expect(once.stdout).toMatch(/\[\$LATEST\]\w+ \S+\t[0-9a-f-]{36}\tINFO\ttail line 1\n/);
    expect(once.stdout).toMatch(/ REPORT RequestId: [0-9a-f-]{36}\tDuration: /);

    const follow = spawn(
      '/usr/bin/aws',
      ['logs', 'tail', '/aws/lambda/tailed', '--follow', '--since', '1m', '--endpoint-url', server.url],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'islet',
          AWS_SECRET_ACCESS_KEY: 'islet',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      },
    );
    let out = '';
    follow.stdout.on('data', (d) => (out += d));
    try {
      await waitFor(async () => (out.includes('tail line 1') ? true : undefined), 15_000);
      await invoke(server.lambda(), 'tailed', { n: 2 });
      await waitFor(async () => (out.includes('tail line 2') ? true : undefined), 15_000);
    } finally {
      follow.kill('SIGTERM');
    }
    expect(out.match(/tail line 1/g)).toHaveLength(1);
  });
});
