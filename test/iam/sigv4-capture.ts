import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { AccessKeys, SignedRequest } from '../../src/control/sigv4';

/** A request exactly as a client sent it over the wire, with its body. */
export interface Captured {
  req: SignedRequest;
  body: Buffer;
}

/** An HTTP server that records every request and answers `reply` (default 200 `{}`). */
export class CaptureServer {
  readonly requests: Captured[] = [];
  private server?: Server;
  url = '';

  constructor(
    private readonly reply: (m: IncomingMessage) => { status: number; type: string; body: string } = () => ({
      status: 200,
      type: 'application/json',
      body: '{}',
    }),
  ) {}

  async start(): Promise<this> {
    this.server = createServer((m, res) => {
      const chunks: Buffer[] = [];
      m.on('data', (d: Buffer) => chunks.push(d));
      m.on('end', () => {
        const headers: Array<[string, string]> = [];
        for (let i = 0; i < m.rawHeaders.length; i += 2) headers.push([m.rawHeaders[i], m.rawHeaders[i + 1]]);
        this.requests.push({
          req: { method: m.method!, target: m.url!, headers },
          body: Buffer.concat(chunks),
        });
        const r = this.reply(m);
        res.writeHead(r.status, { 'Content-Type': r.type });
        res.end(r.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** Runs `send` (which may fail: the answers are not what the client wants) and returns what it sent last. */
  async capture(send: () => Promise<unknown>): Promise<Captured> {
    const before = this.requests.length;
    await send().catch(() => undefined);
    if (this.requests.length === before) throw new Error('the client sent nothing');
    return this.requests[this.requests.length - 1];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export const keyId = 'AKIAISLETTESTKEY0001';
export const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** One key (plus an inactive one) for verifiers in tests. */
export const testKeys: AccessKeys = {
  secretFor: (id) =>
    id === keyId
      ? { secret, userName: 'alice', userArn: 'arn:aws:iam::000000000000:user/alice', active: true }
      : id === 'AKIAISLETINACTIVE001'
        ? { secret, userName: 'bob', userArn: 'arn:aws:iam::000000000000:user/bob', active: false }
        : undefined,
};

const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

/** Runs the AWS CLI with the given credentials and no user configuration. */
export function awsCliAs(
  credentials: { id: string; secret: string },
  endpointUrl: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(aws, [...args, '--endpoint-url', endpointUrl, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: credentials.id,
      AWS_SECRET_ACCESS_KEY: credentials.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_MAX_ATTEMPTS: '1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });
}
