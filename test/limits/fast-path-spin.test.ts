import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

// A function that behaves long enough to be promoted to the executor's synchronous fast path,
// then spins: its timeout still holds, and the function is demoted so it cannot stall its
// neighbours a second time.
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const client = server.lambda();
  await deploy(
    client,
    'flip',
    {
      'index.js': 'exports.handler = async (e) => { if (e.evil) { while (true) {} } return { ok: true }; };',
    },
    { Timeout: 1 },
  );
  await deploy(client, 'neighbour', { 'index.js': 'exports.handler = async () => "fine";' });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('a promoted function that starts spinning', () => {
  it('still times out, then is demoted so a second spin does not stall its neighbour', async () => {
    const client = server.lambda();
    for (let i = 0; i < 40; i++) expect((await invoke(client, 'flip', {})).payload).toEqual({ ok: true });

    const started = Date.now();
    const first = await invoke(client, 'flip', { evil: true });
    expect(first.payload.errorType).toBe('Sandbox.Timedout');
    expect(first.payload.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    expect(Date.now() - started).toBeLessThan(5000);

    let spinDone = false;
    const second = invoke(client, 'flip', { evil: true }).finally(() => {
      spinDone = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    const n = await invoke(client, 'neighbour', {});
    expect(n.payload).toBe('fine');
    expect(spinDone).toBe(false); // the neighbour answered while the second spin was still running
    expect((await second).payload.errorType).toBe('Sandbox.Timedout');
    expect(server.output()).not.toContain('executor.crashed');
  });
});
