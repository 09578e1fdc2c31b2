import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorIndex } from '../src/runtime/executors';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
let client: LambdaClient;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '2'] });
  client = server.lambda();
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

/** The first `prefix-N` name that hashes to executor `index` of 2. */
function nameOn(prefix: string, index: number): string {
  for (let i = 0; ; i++) if (executorIndex(`${prefix}-${i}`, 2) === index) return `${prefix}-${i}`;
}

const withEnvId = `
const envId = Math.random().toString(36).slice(2);
exports.handler = async () => envId;`;

describe('warm routing between executors', () => {
  it('sends a call to the executor holding an idle warm environment, not back to its name hash', async () => {
    const busyName = nameOn('route-busy', 0);
    const targetName = nameOn('route-target', 0);
    await deploy(client, busyName, {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); return 1; };',
    });
    await deploy(client, targetName, { 'index.js': withEnvId });

    // Nine calls in flight on executor 0 (more than 8 beyond executor 1) make the target's first
    // call spill over to executor 1, where it starts cold.
    const busy = Array.from({ length: 9 }, () => invoke(client, busyName));
    await new Promise((r) => setTimeout(r, 300));
    const first = await invoke(client, targetName);
    expect(first.log).toContain('Init Duration');
    await Promise.all(busy);

    // Executor 0 is idle again, but the warm environment is on executor 1: that is where the
    // next calls go, warm and to the same environment.
    for (let i = 0; i < 3; i++) {
      const again = await invoke(client, targetName);
      expect(again.log).not.toContain('Init Duration');
      expect(again.payload).toBe(first.payload);
    }
  });
});
