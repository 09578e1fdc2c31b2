import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('smoke', () => {
  it('deploys and invokes a function with the official SDK', async () => {
    const client = server.lambda();
    await deploy(client, 'hello', {
      'index.js':
        "exports.handler = async (e) => ({ hi: e.name, b: Buffer.from('x').toString('hex'), u: new URL('http://a/b?c=d').searchParams.get('c') });",
    });
    const r = await invoke(client, 'hello', { name: 'islet' });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toEqual({ hi: 'islet', b: '78', u: 'd' });
    expect(r.log).toMatch(/^START RequestId: [0-9a-f-]+ Version: \$LATEST\n/);
    expect(r.log).toMatch(/REPORT RequestId: .*\tInit Duration: /);
  });
});
