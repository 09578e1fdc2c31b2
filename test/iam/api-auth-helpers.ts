import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { isletBin } from '../helpers/server';

/** An access key as `islet keys create --json` prints it. */
export interface Key {
  id: string;
  secret: string;
}

/** Creates an access key with islet's CLI on a data dir (`--admin` or `--policy FILE`). */
export async function createKey(dataDir: string, user: string, ...flags: string[]): Promise<Key> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--no-node-snapshot',
    isletBin,
    'keys',
    'create',
    user,
    '--data',
    dataDir,
    '--json',
    ...flags,
  ]);
  const out = JSON.parse(stdout) as { AccessKeyId: string; SecretAccessKey: string };
  return { id: out.AccessKeyId, secret: out.SecretAccessKey };
}

const credentials = (k: Key) => ({ accessKeyId: k.id, secretAccessKey: k.secret });

export function lambdaAs(url: string, k: Key, extra: { systemClockOffset?: number } = {}): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: credentials(k),
    maxAttempts: 1,
    ...extra,
  });
}

export function iamAs(url: string, k: Key): IAMClient {
  return new IAMClient({ endpoint: url, region: 'us-east-1', credentials: credentials(k), maxAttempts: 1 });
}

/**
 * Signs one request with SigV4 (as the SDKs do) and returns a sender that can send it again and
 * again, with the signed body or another one.
 */
export async function signedRequest(
  url: string,
  k: Key | undefined,
  init: { method?: string; body?: string; headers?: Record<string, string>; service?: string } = {},
): Promise<(body?: string) => Promise<Response>> {
  const u = new URL(url);
  const method = init.method ?? 'GET';
  // A nonce keeps two identical requests signed in the same second apart (the SDKs send amz-sdk-invocation-id).
  let headers: Record<string, string> = { 'x-request-nonce': randomUUID(), ...init.headers };
  if (k) {
    const signer = new SignatureV4({
      credentials: credentials(k),
      region: 'us-east-1',
      service: init.service ?? 'lambda',
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...headers, host: u.host },
      body: init.body,
    });
    headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
  }
  return (body = init.body) => fetch(url, { method, headers, body });
}

/** Awaits a rejection; resolves with its AWS error name, HTTP status and message. */
export async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  const e = (await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}
