import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayGuard } from '../control/replay-guard';
import { SigV4Verifier } from '../control/sigv4';
import { apiCall } from './api';

/** What the CLI's signed requests look like to islet's own SigV4 verifier. */
let received: IncomingMessage | undefined;
const server = createServer((req, res) => {
  received = req;
  req.resume();
  req.on('end', () => res.end('{}'));
});
let endpoint: string;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.ISLET_ACCESS_KEY_ID = 'AKIAISLETCLITEST0001';
  process.env.ISLET_SECRET_ACCESS_KEY = 's'.repeat(40);
});
afterAll(() => {
  server.close();
  delete process.env.ISLET_ACCESS_KEY_ID;
  delete process.env.ISLET_SECRET_ACCESS_KEY;
});

const verifier = new SigV4Verifier({
  keys: {
    secretFor: (id) =>
      id === 'AKIAISLETCLITEST0001'
        ? {
            secret: 's'.repeat(40),
            userName: 'cli',
            userArn: 'arn:aws:iam::000000000000:user/cli',
            active: true,
          }
        : undefined,
  },
  region: 'us-east-1',
  replay: new ReplayGuard(),
});

describe('CLI request signing', () => {
  it('signs every value of a repeated query key', async () => {
    const res = await apiCall({ endpoint }, 'GET', '/2015-03-31/functions/?tag=a&tag=b&x=1');
    expect(res.status).toBe(200);
    const req = received!;
    const headers: Array<[string, string]> = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const caller = await verifier.authenticate({ method: req.method!, target: req.url!, headers }, async () =>
      Buffer.alloc(0),
    );
    expect(caller).toMatchObject({ accessKeyId: 'AKIAISLETCLITEST0001', service: 'lambda' });
  });
});
