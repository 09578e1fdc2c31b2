import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

// islet's default egress policy: no --fetch-allow, so a local server is out of reach however it
// is named, and nothing reaches it.

let target: Server;
let port: number;
let server: TestServer;
let requests = 0;

const attempt = `exports.handler = async ({ urls }) => {
  const out = {};
  for (const url of urls) {
    try { await fetch(url); out[url] = 'fetched'; }
    catch (e) { out[url] = { name: e.name, message: e.message, cause: e.cause && e.cause.message, code: e.cause && e.cause.code }; }
  }
  return out;
};`;

beforeAll(async () => {
  target = createServer((_req, res) => {
    requests++;
    res.end('reached');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  port = (target.address() as AddressInfo).port;
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(server.lambda(), 'attempt', { 'index.js': attempt }, { Timeout: 10 });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  target?.close();
});

/** islet's own JSON log lines. */
function logEvents(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const denied = (cause: string | RegExp) => ({
  name: 'TypeError',
  message: 'fetch failed',
  cause: typeof cause === 'string' ? cause : expect.stringMatching(cause),
  code: 'ISLET_EGRESS_DENIED',
});

describe('fetch() under the default egress policy', () => {
  it('refuses loopback, private, link-local and metadata addresses in every spelling', async () => {
    const cases: Record<string, ReturnType<typeof denied>> = {
      [`http://127.0.0.1:${port}/?token=SECRET`]: denied(
        'islet egress policy: 127.0.0.1 is a loopback address',
      ),
      [`http://0x7f.1:${port}/`]: denied('islet egress policy: 127.0.0.1 is a loopback address'),
      [`http://2130706433:${port}/`]: denied('islet egress policy: 127.0.0.1 is a loopback address'),
      [`http://[::1]:${port}/`]: denied('islet egress policy: ::1 is a loopback address'),
      [`http://[::ffff:127.0.0.1]:${port}/`]: denied(
        'islet egress policy: ::ffff:7f00:1 is a loopback address',
      ),
      [`http://[::127.0.0.1]:${port}/`]: denied(/^islet egress policy: ::7f00:1 is a loopback address/),
      [`http://0.0.0.0:${port}/`]: denied('islet egress policy: 0.0.0.0 is an unspecified address'),
      'http://169.254.169.254/latest/meta-data/': denied(
        'islet egress policy: 169.254.169.254 is a cloud metadata address',
      ),
      'http://[fd00:ec2::254]/latest/meta-data/': denied(
        'islet egress policy: fd00:ec2::254 is a cloud metadata address',
      ),
      'http://metadata.google.internal/computeMetadata/v1/': denied(
        'islet egress policy: metadata.google.internal is a cloud metadata host name',
      ),
      'http://10.0.0.1/': denied('islet egress policy: 10.0.0.1 is a private address'),
      'http://192.168.1.1/': denied('islet egress policy: 192.168.1.1 is a private address'),
      'http://100.64.0.1/': denied('islet egress policy: 100.64.0.1 is a shared (CGNAT) address'),
      'http://[fe80::1]/': denied('islet egress policy: fe80::1 is a link-local address'),
      'http://[fc00::1]/': denied('islet egress policy: fc00::1 is a private (unique local) address'),
      'http://224.0.0.1/': denied('islet egress policy: 224.0.0.1 is a multicast address'),
      'http://255.255.255.255/': denied('islet egress policy: 255.255.255.255 is a broadcast address'),
      // a DNS name that resolves to loopback: refused on the address it resolved to
      [`http://localhost:${port}/`]: denied(
        /^islet egress policy: localhost \((127\.0\.0\.1|::1)\) is a loopback address$/,
      ),
      'file:///etc/passwd': denied('islet egress policy: file: URLs are not fetched, only http: and https:'),
    };
    const r = await invoke(server.lambda(), 'attempt', { urls: Object.keys(cases) });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toEqual(cases);
    expect(requests).toBe(0);
  });

  it('logs each refusal at warn with the host and the reason, never the path or query', async () => {
    const events = logEvents(server.output()).filter((e) => e.event === 'fetch.denied');
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        function: 'attempt',
        host: '127.0.0.1',
        reason: 'a loopback address',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ host: 'metadata.google.internal', reason: 'a cloud metadata host name' }),
    );
    expect(server.output()).not.toContain('SECRET');
    expect(server.output()).not.toContain('meta-data');
  });

  it('rejects URLs fetch() cannot parse before anything is sent', async () => {
    const before = requests;
    const r = await invoke(server.lambda(), 'attempt', { urls: ['/relative', 'http://'] });
    expect(requests).toBe(before);
    expect(r.payload).toMatchObject({
      '/relative': { name: 'TypeError', message: 'Failed to parse URL from /relative' },
      'http://': { name: 'TypeError', message: 'Failed to parse URL from http://' },
    });
  });
});
