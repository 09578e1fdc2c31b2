import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayGuard, type SignedRequest, SigV4Failure, SigV4Verifier } from '../../src/control/sigv4';
import { awsCliAs, type Captured, CaptureServer, keyId, secret, testKeys } from './sigv4-capture';

// Signatures made by the official SDKs and the AWS CLI, captured off the wire, verified by islet.

let wire: CaptureServer;
beforeAll(async () => {
  wire = await new CaptureServer().start();
});
afterAll(() => wire.stop());

const creds = (s = secret, id = keyId) => ({ accessKeyId: id, secretAccessKey: s });
const lambda = (s = secret, id = keyId) =>
  new LambdaClient({ endpoint: wire.url, region: 'us-east-1', credentials: creds(s, id), maxAttempts: 1 });
const s3 = (s = secret) =>
  new S3Client({
    endpoint: wire.url,
    region: 'us-east-1',
    credentials: creds(s),
    forcePathStyle: true,
    maxAttempts: 1,
  });
const iam = (s = secret) =>
  new IAMClient({ endpoint: wire.url, region: 'us-east-1', credentials: creds(s), maxAttempts: 1 });

function verifier(now?: () => number) {
  return new SigV4Verifier({ keys: testKeys, region: 'us-east-1', replay: new ReplayGuard(), now });
}

async function outcome(v: SigV4Verifier, c: Captured, service?: string, body = c.body): Promise<string> {
  try {
    const caller = await v.authenticate(c.req, async () => body, service);
    return `ok ${caller.userName} ${caller.service}`;
  } catch (e) {
    if (e instanceof SigV4Failure) return e.kind;
    throw e;
  }
}

describe('AWS SDK for JavaScript v3 signatures', () => {
  it('Lambda Invoke by ARN with a qualifier and a non-ASCII payload: right secret passes, wrong secret and tampering fail', async () => {
    const send = (s?: string) =>
      wire.capture(() =>
        lambda(s).send(
          new InvokeCommand({
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:my-fn',
            Qualifier: '$LATEST',
            Payload: Buffer.from(JSON.stringify({ text: 'grüße, 世界 & co' })),
          }),
        ),
      );
    const good = await send();
    expect(good.req.target).toContain('arn%3Aaws%3Alambda');
    expect(await outcome(verifier(), good)).toBe('ok alice lambda');
    expect(await outcome(verifier(), await send('wrong-secret'))).toBe('mismatch');
    const tampered = await send();
    expect(await outcome(verifier(), tampered, undefined, Buffer.from('{"text":"other"}'))).toBe('mismatch');
    const retargeted = await send();
    expect(
      await outcome(verifier(), {
        ...retargeted,
        req: { ...retargeted.req, target: retargeted.req.target.replace('my-fn', 'my-fo') },
      }),
    ).toBe('mismatch');
  });

  it('ListFunctions with reserved characters in the query', async () => {
    const c = await wire.capture(() =>
      lambda().send(new ListFunctionsCommand({ Marker: "a b+c/d=e&f*~!'()é", MaxItems: 5 })),
    );
    expect(await outcome(verifier(), c)).toBe('ok alice lambda');
  });

  it('CreateFunction with a zip body', async () => {
    const c = await wire.capture(() =>
      lambda().send(
        new CreateFunctionCommand({
          FunctionName: 'f',
          Role: 'arn:aws:iam::000000000000:role/r',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: Buffer.alloc(4096, 7) },
        }),
      ),
    );
    expect(await outcome(verifier(), c)).toBe('ok alice lambda');
  });

  it('unknown and inactive keys are told apart from wrong signatures', async () => {
    const unknown = await wire.capture(() =>
      lambda(secret, 'AKIAISLETNOSUCHKEY01').send(new ListFunctionsCommand({})),
    );
    expect(await outcome(verifier(), unknown)).toBe('unknown-key');
    const inactive = await wire.capture(() =>
      lambda(secret, 'AKIAISLETINACTIVE001').send(new ListFunctionsCommand({})),
    );
    expect(await outcome(verifier(), inactive)).toBe('inactive-key');
  });

  it('S3 PutBucketNotificationConfiguration: x-amz-content-sha256 is signed and must match the body', async () => {
    const c = await wire.capture(() =>
      s3().send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'uploads',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
                Events: ['s3:ObjectCreated:*'],
              },
            ],
          },
        }),
      ),
    );
    expect(await outcome(verifier(), c)).toBe('ok alice s3');
    expect(await outcome(verifier(), c, undefined, Buffer.from('<NotificationConfiguration/>'))).toBe(
      'content-mismatch',
    );
    expect(
      await outcome(
        verifier(),
        await wire.capture(() => s3('bad').send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))),
      ),
    ).toBe('mismatch');
  });

  it('S3 keys with spaces, reserved and non-ASCII characters (signed as sent, not encoded twice)', async () => {
    const c = await wire.capture(() =>
      s3().send(new GetObjectCommand({ Bucket: 'b', Key: "dir/a b+c(1)*~'ü=&$@.txt" })),
    );
    expect(await outcome(verifier(), c)).toBe('ok alice s3');
  });

  it('IAM CreateUser (query protocol, form body)', async () => {
    const c = await wire.capture(() =>
      iam().send(new CreateUserCommand({ UserName: 'carol', Path: '/team/' })),
    );
    expect(await outcome(verifier(), c)).toBe('ok alice iam');
    expect(
      await outcome(
        verifier(),
        await wire.capture(() => iam('nope').send(new CreateUserCommand({ UserName: 'x' }))),
      ),
    ).toBe('mismatch');
  });
});

describe('time, scope and replay', () => {
  const list = () => wire.capture(() => lambda().send(new ListFunctionsCommand({})));

  it('X-Amz-Date more than 15 minutes old or ahead is refused', async () => {
    const c = await list();
    const at = Date.now();
    expect(
      await outcome(
        verifier(() => at + 16 * 60_000),
        c,
      ),
    ).toBe('expired');
    expect(
      await outcome(
        verifier(() => at - 16 * 60_000),
        c,
      ),
    ).toBe('not-yet-valid');
    expect(
      await outcome(
        verifier(() => at + 14 * 60_000),
        c,
      ),
    ).toBe('ok alice lambda');
  });

  it('says how stale the signature is, in AWS words', async () => {
    const c = await list();
    const err = await verifier(() => Date.now() + 20 * 60_000)
      .authenticate(c.req, async () => c.body)
      .catch((e) => e);
    expect(err.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
  });

  it('a signature is accepted again only within 2 s of its first use', async () => {
    let clock = Date.now();
    const v = verifier(() => clock);
    const c = await list();
    expect(await outcome(v, c)).toBe('ok alice lambda');
    // The AWS CLI sends byte-identical requests when it runs a command twice in one second.
    clock += 1500;
    expect(await outcome(v, c)).toBe('ok alice lambda');
    clock += 1000;
    expect(await outcome(v, c)).toBe('replayed');
    expect(await outcome(v, await list())).toBe('ok alice lambda');
  });

  it('the credential scope must name islet region and, for function URLs, lambda', async () => {
    const other = new LambdaClient({
      endpoint: wire.url,
      region: 'eu-west-1',
      credentials: creds(),
      maxAttempts: 1,
    });
    expect(
      await outcome(verifier(), await wire.capture(() => other.send(new ListFunctionsCommand({})))),
    ).toBe('bad-scope');
    const c = await wire.capture(() => s3().send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(await outcome(verifier(), c, 'lambda')).toBe('bad-scope');
  });
});

describe('presigned URLs (query form)', () => {
  const presign = async (service: string, path: string, expiresIn: number, signingDate = new Date()) => {
    const signer = new SignatureV4({
      credentials: creds(),
      region: 'us-east-1',
      service,
      sha256: Sha256,
      uriEscapePath: service !== 's3',
    });
    const u = new URL(wire.url);
    const headers: Record<string, string> = { host: u.host };
    if (service === 's3') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const signed = await signer.presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path,
        query: { 'x-id': 'GetObject' },
        headers,
      },
      { expiresIn, signingDate },
    );
    const query = Object.entries(signed.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return wire.capture(() => fetch(`${wire.url}${path}?${query}`));
  };

  it('an S3 GET URL and a Lambda function URL verify; expired ones do not', async () => {
    expect(await outcome(verifier(), await presign('s3', '/bucket/some%20key.txt', 60))).toBe('ok alice s3');
    expect(await outcome(verifier(), await presign('lambda', '/fn/hello/a/b', 60), 'lambda')).toBe(
      'ok alice lambda',
    );
    const short = await presign('lambda', '/fn/hello/', 1);
    expect(
      await outcome(
        verifier(() => Date.now() + 2000),
        short,
      ),
    ).toBe('presign-expired');
  });

  it('a presigned URL can be used again until it expires, as S3 allows', async () => {
    let clock = Date.now();
    const v = verifier(() => clock);
    const url = await presign('s3', '/bucket/shared.txt', 60);
    expect(await outcome(v, url)).toBe('ok alice s3');
    clock += 10_000;
    expect(await outcome(v, url)).toBe('ok alice s3');
    clock += 60_000;
    expect(await outcome(v, url)).toBe('presign-expired');
  });
});

describe('malformed signatures', () => {
  const req = (authorization: string, extra: Array<[string, string]> = []): SignedRequest => ({
    method: 'GET',
    target: '/2015-03-31/functions',
    headers: [
      ['Host', 'localhost'],
      ['Authorization', authorization],
      ['X-Amz-Date', '20250101T000000Z'],
      ...extra,
    ],
  });
  const kind = (r: SignedRequest) => outcome(verifier(), { req: r, body: Buffer.alloc(0) });

  it('names what is wrong', async () => {
    expect(await kind(req('Bearer abc'))).toBe('malformed');
    expect(await kind(req('AWS AKID:sig'))).toBe('malformed');
    expect(await kind(req('AWS4-HMAC-SHA256 Credential=a/b'))).toBe('malformed');
    expect(
      await kind(
        req(
          `AWS4-HMAC-SHA256 Credential=${keyId}/20250101/us-east-1/lambda/aws4_request, SignedHeaders=x-amz-date, Signature=00`,
        ),
      ),
    ).toBe('malformed'); // host not signed
    expect(
      await kind({
        method: 'GET',
        target: '/?X-Amz-Credential=x&X-Amz-Signature=y',
        headers: [['Host', 'h']],
      }),
    ).toBe('malformed');
    expect(await kind({ method: 'GET', target: '/', headers: [['Host', 'h']] })).toBe('missing');
  });
});

describe('AWS CLI (botocore) signatures', () => {
  const cli = (s: string, ...args: string[]) =>
    wire.capture(() => awsCliAs({ id: keyId, secret: s }, wire.url, ...args));

  it('lambda invoke by ARN, s3api and iam: right secret passes, wrong secret does not', async () => {
    const invoke = await cli(
      secret,
      'lambda',
      'invoke',
      '--function-name',
      'arn:aws:lambda:us-east-1:000000000000:function:my-fn:$LATEST',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      '{"a":"b c"}',
      '/dev/null',
    );
    expect(await outcome(verifier(), invoke)).toBe('ok alice lambda');
    const wrong = await cli('x'.repeat(40), 'lambda', 'list-functions', '--max-items', '3');
    expect(await outcome(verifier(), wrong)).toBe('mismatch');
    const notif = await cli(
      secret,
      's3api',
      'get-bucket-notification-configuration',
      '--bucket',
      'my bucket'.replace(' ', '-'),
    );
    expect(await outcome(verifier(), notif)).toBe('ok alice s3');
    const user = await cli(secret, 'iam', 'create-user', '--user-name', 'dave', '--path', '/a/b/');
    expect(await outcome(verifier(), user)).toBe('ok alice iam');
  }, 60_000);
});
