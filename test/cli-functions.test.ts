import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { islet } from './helpers/cli';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

let server: TestServer;
let work: string;
const at = () => ['--endpoint', server.url];

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  work = mkdtempSync(join(tmpdir(), 'islet-cli-'));
  const app = join(work, 'app');
  mkdirSync(join(app, 'node_modules', 'greeting'), { recursive: true });
  writeFileSync(
    join(app, 'index.js'),
    `const greet = require('greeting');
     exports.handler = async (e) => { console.log('called with', e.who); if (e.fail) throw new Error('asked to fail'); return greet(e.who); };`,
  );
  writeFileSync(join(app, 'node_modules', 'greeting', 'index.js'), 'module.exports = (w) => "hello " + w;');
}, 60_000);

afterAll(async () => {
  await server.stop();
  server.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('islet deploy / invoke / list / get / delete', () => {
  it('deploys a folder with its node_modules and invokes it', async () => {
    const created = await islet('deploy', join(work, 'app'), '--name', 'greeter', '--memory', '256', ...at());
    expect(created.stderr).toMatch(/packaged 2 files/);
    expect(created.stdout).toMatch(/^created arn:aws:lambda:us-east-1:000000000000:function:greeter \(code /);
    expect(created.status).toBe(0);
    const r = await islet('invoke', 'greeter', '--payload', '{"who":"ada"}', '--log', ...at());
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toBe('hello ada');
    expect(r.stderr).toMatch(/\tINFO\tcalled with ada\n/);
    expect(r.stderr).toMatch(/^REPORT RequestId: /m);
  });

  it('updates code and settings of an existing function', async () => {
    writeFileSync(join(work, 'app', 'index.js'), 'exports.handler = async () => "v2";');
    const updated = await islet(
      'deploy',
      join(work, 'app'),
      '--name',
      'greeter',
      '--timeout',
      '7',
      '--env',
      'GREETING=hi',
      '--json',
      ...at(),
    );
    expect(updated.status).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      FunctionName: 'greeter',
      Timeout: 7,
      MemorySize: 256,
    });
    expect(JSON.parse((await islet('invoke', 'greeter', ...at())).stdout)).toBe('v2');
    const got = await islet('get', 'greeter', '--json', ...at());
    expect(JSON.parse(got.stdout).Environment).toEqual({ Variables: { GREETING: 'hi' } });
    expect((await islet('get', 'greeter', ...at())).stdout).toMatch(/^timeout\s+7 s$/m);
  });

  it('deploys a .zip as it is', async () => {
    const zip = join(work, 'fn.zip');
    writeFileSync(zip, await makeZip({ 'main.js': 'exports.run = async () => 42;' }));
    expect((await islet('deploy', zip, '--name', 'zipped', '--handler', 'main.run', ...at())).status).toBe(0);
    expect((await islet('invoke', 'zipped', ...at())).stdout.trim()).toBe('42');
  });

  it('lists functions as a table and as JSON', async () => {
    const table = await islet('list', ...at());
    expect(table.stdout).toMatch(/^NAME\s+RUNTIME\s+MEMORY/);
    expect(table.stdout).toMatch(/^greeter\s+nodejs20\.x\s+256 MB\s+7 s/m);
    const names = (
      JSON.parse((await islet('list', '--json', ...at())).stdout) as Array<{ FunctionName: string }>
    ).map((f) => f.FunctionName);
    expect(names).toEqual(['greeter', 'zipped']);
  });

  it('exits non-zero with the reason on failures', async () => {
    writeFileSync(
      join(work, 'app', 'index.js'),
      'exports.handler = async () => { throw new TypeError("nope"); };',
    );
    await islet('deploy', join(work, 'app'), '--name', 'greeter', ...at());
    const failed = await islet('invoke', 'greeter', ...at());
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ errorType: 'TypeError', errorMessage: 'nope' });
    const missing = await islet('get', 'ghost', ...at());
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ResourceNotFoundException: Function not found/);
    const badPath = await islet('deploy', join(work, 'nowhere'), '--name', 'x', ...at());
    expect(badPath.status).toBe(2);
    expect(badPath.stderr).toMatch(/no such file or directory/);
    const badJson = await islet('invoke', 'greeter', '--payload', '{oops', ...at());
    expect(badJson.status).toBe(2);
    expect(badJson.stderr).toMatch(/the payload is not JSON/);
    const down = await islet('list', '--endpoint', 'http://127.0.0.1:1');
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1 .*is the server running\?/);
  });

  it('deletes a function', async () => {
    expect((await islet('delete', 'zipped', ...at())).stdout).toBe('deleted zipped\n');
    expect((await islet('get', 'zipped', ...at())).status).toBe(1);
  });
});
