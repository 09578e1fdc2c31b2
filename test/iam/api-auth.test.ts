import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  type IAMClient,
  ListUsersCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';
import { createKey, failure, iamAs, type Key, lambdaAs, signedRequest } from './api-auth-helpers';
import { awsCliAs } from './sigv4-capture';

// islet with access keys: every API request must be signed by an Active key whose user may do it.

const account = '000000000000';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${account}:function:${name}`;
const userArn = (name: string) => `arn:aws:iam::${account}:user/${name}`;
const echo = 'exports.handler = async (e) => ({ got: e });';

let server: TestServer;
let admin: Key;
let adminLambda: LambdaClient;
let adminIam: IAMClient;

/** A user with the given inline policy (or none) and one access key, made through the IAM API. */
async function user(name: string, policy?: object): Promise<Key> {
  await adminIam.send(new CreateUserCommand({ UserName: name }));
  if (policy) {
    await adminIam.send(
      new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }),
    );
  }
  const out = await adminIam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { id: out.AccessKey!.AccessKeyId!, secret: out.AccessKey!.SecretAccessKey! };
}

const invoke = (client: LambdaClient, name: string) =>
  client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"n":1}') }));

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'islet-auth-'));
  admin = await createKey(dataDir, 'admin', '--admin');
  server = await startServer({ dataDir, args: ['--executors', '1'] });
  adminLambda = lambdaAs(server.url, admin);
  adminIam = iamAs(server.url, admin);
  await deploy(adminLambda, 'allowed', { 'index.js': echo });
  await deploy(adminLambda, 'other', { 'index.js': echo });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('authentication', () => {
  it('a request signed by an Active key works', async () => {
    const out = await invoke(adminLambda, 'allowed');
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual({ got: { n: 1 } });
  });

  it('an unsigned request is MissingAuthenticationTokenException (403, Lambda shape)', async () => {
    const res = await fetch(`${server.url}/2015-03-31/functions`);
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-ErrorType')).toBe('MissingAuthenticationTokenException');
    expect(await res.json()).toEqual({ Type: 'User', message: 'Missing Authentication Token' });
  });

  it('a wrong secret is InvalidSignatureException; an unknown key UnrecognizedClientException', async () => {
    const wrong = await failure(
      lambdaAs(server.url, { id: admin.id, secret: 'x'.repeat(40) }).send(new ListFunctionsCommand({})),
    );
    expect(wrong).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(wrong.message).toMatch(/^The request signature we calculated does not match/);
    const unknown = await failure(
      lambdaAs(server.url, { id: 'AKIAAAAAAAAAAAAAAAAA', secret: admin.secret }).send(
        new ListFunctionsCommand({}),
      ),
    );
    expect(unknown).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
  });

  it('an X-Amz-Date more than 15 minutes off is "Signature expired"', async () => {
    const late = await failure(
      lambdaAs(server.url, admin, { systemClockOffset: -20 * 60_000 }).send(new ListFunctionsCommand({})),
    );
    expect(late).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(late.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('the same signed request is accepted again within 2 s of its first use only', async () => {
    const send = await signedRequest(`${server.url}/2015-03-31/functions`, admin);
    expect((await send()).status).toBe(200);
    // What the AWS CLI sends when it runs the same command twice in one second.
    expect((await send()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    const again = await send();
    expect(again.status).toBe(403);
    expect(again.headers.get('x-amzn-ErrorType')).toBe('InvalidSignatureException');
    expect(((await again.json()) as { message: string }).message).toMatch(/already used/);
  });

  it('a body changed after signing is refused', async () => {
    const u = `${server.url}/2015-03-31/functions/allowed/invocations`;
    const send = await signedRequest(u, admin, { method: 'POST', body: '{"n":1}' });
    const res = await send('{"n":2}');
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-ErrorType')).toBe('InvalidSignatureException');
  });

  it('a key set Inactive stops working, and works again once Active', async () => {
    const k = await user('switch', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'lambda:List*', Resource: '*' }],
    });
    const client = lambdaAs(server.url, k);
    await client.send(new ListFunctionsCommand({}));
    await adminIam.send(
      new UpdateAccessKeyCommand({ UserName: 'switch', AccessKeyId: k.id, Status: 'Inactive' }),
    );
    expect(await failure(client.send(new ListFunctionsCommand({})))).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 403,
    });
    await adminIam.send(
      new UpdateAccessKeyCommand({ UserName: 'switch', AccessKeyId: k.id, Status: 'Active' }),
    );
    await client.send(new ListFunctionsCommand({}));
  });

  it('open routes stay open: health, function URLs with AuthType NONE, the signed code download', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await adminLambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'other', AuthType: 'NONE' }));
    const url = await fetch(`${server.url}/fn/other/x`);
    expect(url.status).toBe(200);
    await url.arrayBuffer();
    const fn = await adminLambda.send(new GetFunctionCommand({ FunctionName: 'other' }));
    const zip = await fetch(fn.Code!.Location!);
    expect(zip.status).toBe(200);
    expect(
      Buffer.from(await zip.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });
});

describe('authorisation', () => {
  let invoker: LambdaClient;
  let invokerKey: Key;

  beforeAll(async () => {
    invokerKey = await user('invoker', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('allowed') }],
    });
    invoker = lambdaAs(server.url, invokerKey);
  });

  it('a policy allowing only lambda:InvokeFunction on one function: that invoke works, nothing else', async () => {
    const out = await invoke(invoker, 'allowed');
    expect(out.StatusCode).toBe(200);
    const other = await failure(invoke(invoker, 'other'));
    expect(other).toMatchObject({
      name: 'AccessDeniedException',
      status: 403,
      message: `User: ${userArn('invoker')} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('other')} because no identity-based policy allows the lambda:InvokeFunction action`,
    });
    const create = await failure(deploy(invoker, 'sneaky', { 'index.js': echo }));
    expect(create).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(create.message).toBe(
      `User: ${userArn('invoker')} is not authorized to perform: lambda:CreateFunction on resource: ${fnArn('sneaky')} because no identity-based policy allows the lambda:CreateFunction action`,
    );
    expect(await failure(invoker.send(new ListFunctionsCommand({})))).toMatchObject({
      name: 'AccessDeniedException',
    });
    // Nothing was created.
    expect((await failure(adminLambda.send(new GetFunctionCommand({ FunctionName: 'sneaky' })))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it("AddPermission naming the user's ARN (or its account) grants invoke; an explicit Deny still wins", async () => {
    const k = await user('guest');
    const guest = lambdaAs(server.url, k);
    expect((await failure(invoke(guest, 'other'))).name).toBe('AccessDeniedException');
    await adminLambda.send(
      new AddPermissionCommand({
        FunctionName: 'other',
        StatementId: 'guest',
        Action: 'lambda:InvokeFunction',
        Principal: userArn('guest'),
      }),
    );
    expect((await invoke(guest, 'other')).StatusCode).toBe(200);
    // The grant is for invoke only.
    expect((await failure(guest.send(new GetFunctionCommand({ FunctionName: 'other' })))).name).toBe(
      'AccessDeniedException',
    );

    const k2 = await user('teammate');
    await adminLambda.send(
      new AddPermissionCommand({
        FunctionName: 'allowed',
        StatementId: 'account',
        Action: 'lambda:InvokeFunction',
        Principal: account,
      }),
    );
    expect((await invoke(lambdaAs(server.url, k2), 'allowed')).StatusCode).toBe(200);

    await adminIam.send(
      new PutUserPolicyCommand({
        UserName: 'guest',
        PolicyName: 'deny',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'lambda:Invoke*', Resource: '*' }],
        }),
      }),
    );
    const denied = await failure(invoke(guest, 'other'));
    expect(denied.message).toBe(
      `User: ${userArn('guest')} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('other')} with an explicit deny in an identity-based policy`,
    );
  });

  it('other APIs answer in their own shapes: IAM XML AccessDenied, EventBridge JSON AccessDeniedException', async () => {
    const iam = await failure(iamAs(server.url, invokerKey).send(new CreateUserCommand({ UserName: 'x' })));
    expect(iam).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(iam.message).toContain(`perform: iam:CreateUser on resource: ${userArn('x')}`);
    const unknownKey = { id: 'AKIANOSUCHKEY0000002', secret: admin.secret };
    expect(await failure(iamAs(server.url, unknownKey).send(new ListUsersCommand({})))).toMatchObject({
      name: 'InvalidClientTokenId',
      status: 403,
    });
    expect(
      await failure(
        iamAs(server.url, { id: admin.id, secret: 'v'.repeat(40) }).send(new ListUsersCommand({})),
      ),
    ).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    const send = await signedRequest(server.url, invokerKey, {
      method: 'POST',
      service: 'events',
      body: JSON.stringify({ Name: 'nightly', ScheduleExpression: 'rate(1 hour)' }),
      headers: { 'x-amz-target': 'AWSEvents.PutRule', 'content-type': 'application/x-amz-json-1.1' },
    });
    const res = await send();
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'AccessDeniedException',
      message: `User: ${userArn('invoker')} is not authorized to perform: events:PutRule on resource: arn:aws:events:us-east-1:${account}:rule/nightly because no identity-based policy allows the events:PutRule action`,
    });
  });

  it('S3 bucket notifications: signed bodies reach the S3 routes intact; a wrong key is InvalidAccessKeyId', async () => {
    const s3 = (k: Key, systemClockOffset = 0) =>
      new S3Client({
        endpoint: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: k.id, secretAccessKey: k.secret },
        maxAttempts: 1,
        systemClockOffset,
      });
    await s3(admin).send(
      new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: {} }),
    );
    const got = await s3(admin).send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }));
    expect(got.LambdaFunctionConfigurations ?? []).toEqual([]);
    expect(
      await failure(
        s3(invokerKey).send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' })),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(
      await failure(
        s3({ id: 'AKIANOSUCHKEY0000001', secret: 'x' }).send(
          new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
    expect(
      await failure(
        s3(admin, 30 * 60_000).send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' })),
      ),
    ).toMatchObject({ name: 'RequestTimeTooSkewed', status: 403 });
  });

  it('a large signed code upload passes through to the route intact', async () => {
    await deploy(adminLambda, 'big', { 'index.js': echo, 'pad.bin': Buffer.alloc(300_000, 1) });
    expect((await invoke(adminLambda, 'big')).StatusCode).toBe(200);
  });
});

describe('the AWS CLI', () => {
  it('works with the right credentials and fails with wrong ones', async () => {
    const ok = await awsCliAs(admin, server.url, 'lambda', 'list-functions');
    expect(JSON.parse(ok.stdout).Functions.map((f: { FunctionName: string }) => f.FunctionName)).toContain(
      'allowed',
    );
    const bad = await awsCliAs(
      { id: admin.id, secret: 'y'.repeat(40) },
      server.url,
      'lambda',
      'list-functions',
    ).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).not.toBe(0);
    expect((bad as { stderr: string }).stderr).toContain('InvalidSignatureException');
    const s3 = await awsCliAs(
      { id: 'AKIANOSUCHKEY0000000', secret: 'z' },
      server.url,
      's3api',
      'get-bucket-notification-configuration',
      '--bucket',
      'b',
    ).catch((e: { stderr: string }) => e);
    expect((s3 as { stderr: string }).stderr).toContain('InvalidAccessKeyId');
    const iam = await awsCliAs(admin, server.url, 'iam', 'list-users');
    expect(JSON.parse(iam.stdout).Users.map((u: { UserName: string }) => u.UserName)).toContain('admin');
  }, 60_000);
});

describe('function URLs with AuthType AWS_IAM', () => {
  beforeAll(async () => {
    await deploy(adminLambda, 'private', {
      'index.js': 'exports.handler = async (e) => ({ path: e.rawPath });',
    });
    await adminLambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }),
    );
  });
  const url = `/fn/private/hello`;

  it('a request signed by a user allowed lambda:InvokeFunctionUrl is answered', async () => {
    const res = await (await signedRequest(`${server.url}${url}`, admin))();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: '/hello' });
  });

  it('unsigned, wrongly signed, replayed or not allowed: 403 Forbidden', async () => {
    const unsigned = await fetch(`${server.url}${url}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ Message: 'Forbidden' });
    const wrong = await (
      await signedRequest(`${server.url}${url}`, { id: admin.id, secret: 'w'.repeat(40) })
    )();
    expect(wrong.status).toBe(403);
    const once = await signedRequest(`${server.url}${url}`, admin);
    expect((await once()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await once()).status).toBe(403);
    const invoker = await user('url-user');
    expect((await (await signedRequest(`${server.url}${url}`, invoker))()).status).toBe(403);
    // The function's resource policy can grant it, for AWS_IAM URLs.
    await adminLambda.send(
      new AddPermissionCommand({
        FunctionName: 'private',
        StatementId: 'url',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: userArn('url-user'),
        FunctionUrlAuthType: 'AWS_IAM',
      }),
    );
    expect((await (await signedRequest(`${server.url}${url}`, invoker))()).status).toBe(200);
  });
});
