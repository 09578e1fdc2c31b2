import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { islet, isletWith } from './helpers/cli';
import { deploy } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

/** The client commands sign their requests when credentials are in the environment. */
let server: TestServer;
let creds: Record<string, string>;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(server.lambda(), 'guarded', { 'index.js': 'exports.handler = async () => "inside";' });
  const created = await islet('keys', 'create', 'operator', '--admin', '--json', '--data', server.dataDir);
  expect(created.status).toBe(0);
  const key = JSON.parse(created.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  creds = { ISLET_ACCESS_KEY_ID: key.AccessKeyId, ISLET_SECRET_ACCESS_KEY: key.SecretAccessKey };
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('CLI against an islet with access keys', () => {
  it('refuses unsigned commands and runs signed ones', async () => {
    const at = ['--endpoint', server.url];
    const unsigned = await islet('list', ...at);
    expect(unsigned.status).toBe(1);
    expect(unsigned.stderr).toMatch(/MissingAuthenticationToken/);
    const list = await isletWith(creds, 'list', '--json', ...at);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).map((f: { FunctionName: string }) => f.FunctionName)).toEqual(['guarded']);
    expect(JSON.parse((await isletWith(creds, 'invoke', 'guarded', ...at)).stdout)).toBe('inside');
    expect((await isletWith(creds, 'billing', '--json', ...at)).status).toBe(0);
    expect((await isletWith(creds, 'dead-letters', 'list', ...at)).stdout).toBe('no dead letters\n');
    const wrong = await isletWith({ ...creds, ISLET_SECRET_ACCESS_KEY: 'x'.repeat(40) }, 'list', ...at);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/InvalidSignatureException|SignatureDoesNotMatch/);
  });
});
