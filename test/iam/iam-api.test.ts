import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  LimitExceededException,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server';

const lambdaTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const allowAll = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});
const invokeOnly = JSON.stringify(
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] },
  null,
  2,
);

let server: TestServer;
let iam: IAMClient;

function client(accessKeyId: string, secretAccessKey: string) {
  return new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

/** The error a call rejects with. */
async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

/** A raw query API request (as signed for iam, before any access key exists). */
async function raw(body: string, method = 'POST') {
  const res = await fetch(server.url, {
    method,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: method === 'POST' ? body : undefined,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  iam = client('test', 'test');
}, 60_000);
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('IAM API: roles', () => {
  it('creates, reads, lists and deletes a role', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: lambdaTrust,
        Description: 'runs the app',
        Path: '/svc/',
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: 'app',
      Path: '/svc/',
      Arn: 'arn:aws:iam::000000000000:role/svc/app',
      Description: 'runs the app',
      MaxSessionDuration: 3600,
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role?.CreateDate).toBeInstanceOf(Date);
    // IAM answers policy documents URL-encoded, as given.
    expect(decodeURIComponent(created.Role!.AssumeRolePolicyDocument!)).toBe(lambdaTrust);
    const got = await iam.send(new GetRoleCommand({ RoleName: 'APP' }));
    expect(got.Role?.Arn).toBe('arn:aws:iam::000000000000:role/svc/app');
    const listed = await iam.send(new ListRolesCommand({}));
    expect(listed.Roles?.map((r) => r.RoleName)).toEqual(['app']);
    expect(listed.IsTruncated).toBe(false);
    await iam.send(new DeleteRoleCommand({ RoleName: 'app' }));
    const gone = await failure(iam.send(new GetRoleCommand({ RoleName: 'app' })));
    expect(gone).toBeInstanceOf(NoSuchEntityException);
    expect(gone.$metadata.httpStatusCode).toBe(404);
    expect(gone.message).toBe('The role with name app cannot be found.');
  });

  it('pages ListRoles with MaxItems and Marker, and filters by PathPrefix', async () => {
    for (const n of ['r1', 'r2', 'r3'])
      await iam.send(
        new CreateRoleCommand({ RoleName: n, AssumeRolePolicyDocument: lambdaTrust, Path: `/${n}/` }),
      );
    const first = await iam.send(new ListRolesCommand({ MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['r1', 'r2']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['r3']);
    expect(second.IsTruncated).toBe(false);
    const r2 = await iam.send(new ListRolesCommand({ PathPrefix: '/r2/' }));
    expect(r2.Roles?.map((r) => r.RoleName)).toEqual(['r2']);
    for (const n of ['r1', 'r2', 'r3']) await iam.send(new DeleteRoleCommand({ RoleName: n }));
  });

  it('keeps inline role policies, URL-encoded on the way out', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'fn', AssumeRolePolicyDocument: lambdaTrust }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'fn', PolicyName: 'invoke', PolicyDocument: invokeOnly }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'fn', PolicyName: 'invoke' }));
    expect(got.RoleName).toBe('fn');
    expect(got.PolicyName).toBe('invoke');
    expect(got.PolicyDocument).toBe(encodeURIComponent(invokeOnly));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'fn' }))).PolicyNames).toEqual(['invoke']);

    const conflict = await failure(iam.send(new DeleteRoleCommand({ RoleName: 'fn' })));
    expect(conflict).toBeInstanceOf(DeleteConflictException);
    expect(conflict.$metadata.httpStatusCode).toBe(409);
    expect(conflict.message).toBe('Cannot delete entity, must delete policies first.');

    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'fn', PolicyName: 'invoke' }));
    const missing = await failure(
      iam.send(new GetRolePolicyCommand({ RoleName: 'fn', PolicyName: 'invoke' })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    expect(missing.message).toBe('The role policy with name invoke cannot be found.');
    const missingDelete = await failure(
      iam.send(new DeleteRolePolicyCommand({ RoleName: 'fn', PolicyName: 'invoke' })),
    );
    expect(missingDelete).toBeInstanceOf(NoSuchEntityException);
    const noRole = await failure(
      iam.send(new PutRolePolicyCommand({ RoleName: 'nope', PolicyName: 'p', PolicyDocument: allowAll })),
    );
    expect(noRole.message).toBe('The role with name nope cannot be found.');
    await iam.send(new DeleteRoleCommand({ RoleName: 'fn' }));
  });

  it('answers each bad input with its IAM error', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'dup', AssumeRolePolicyDocument: lambdaTrust }));
    const dup = await failure(
      iam.send(new CreateRoleCommand({ RoleName: 'DUP', AssumeRolePolicyDocument: lambdaTrust })),
    );
    expect(dup).toBeInstanceOf(EntityAlreadyExistsException);
    expect([dup.$metadata.httpStatusCode, dup.message]).toEqual([409, 'Role with name DUP already exists.']);

    const malformed = await failure(
      iam.send(new PutRolePolicyCommand({ RoleName: 'dup', PolicyName: 'p', PolicyDocument: '{"Version":' })),
    );
    expect(malformed).toBeInstanceOf(MalformedPolicyDocumentException);
    expect([malformed.$metadata.httpStatusCode, malformed.message]).toEqual([
      400,
      'Syntax errors in policy.',
    ]);

    const withPrincipal = await failure(
      iam.send(new PutRolePolicyCommand({ RoleName: 'dup', PolicyName: 'p', PolicyDocument: lambdaTrust })),
    );
    expect(withPrincipal.message).toBe('Policy document should not specify a principal.');

    const badTrust = await failure(
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'dup', PolicyDocument: allowAll })),
    );
    expect(badTrust).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(badTrust.message).toBe('Has prohibited field Resource.');

    const badName = await failure(
      iam.send(new CreateRoleCommand({ RoleName: 'has space', AssumeRolePolicyDocument: lambdaTrust })),
    );
    expect([badName.name, badName.$metadata.httpStatusCode]).toEqual(['ValidationError', 400]);
    expect(badName.message).toBe(
      "1 validation error detected: Value 'has space' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );

    const session = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'x',
          AssumeRolePolicyDocument: lambdaTrust,
          MaxSessionDuration: 60,
        }),
      ),
    );
    expect(session.name).toBe('ValidationError');

    const tags = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'tagged',
          AssumeRolePolicyDocument: lambdaTrust,
          Tags: [{ Key: 'a', Value: 'b' }],
        }),
      ),
    );
    expect([tags.name, tags.message]).toEqual([
      'ValidationError',
      'islet does not support the parameter Tags of CreateRole',
    ]);
    const unsupportedCondition = await failure(
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'dup',
          PolicyName: 'p',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          }),
        }),
      ),
    );
    expect(unsupportedCondition).toBeInstanceOf(MalformedPolicyDocumentException);
    expect(unsupportedCondition.message).toMatch(/^Condition operator Bool is not supported by islet/);
    await iam.send(new DeleteRoleCommand({ RoleName: 'dup' }));
  });

  it('answers unknown actions, versions and methods in the query API error shape', async () => {
    const unknown = await raw('Action=CreateGroup&Version=2010-05-08');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(
      /<ErrorResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>Could not find operation CreateGroup for version 2010-05-08<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    const version = await raw('Action=ListRoles&Version=2011-01-01');
    expect(version.text).toContain(
      '<Message>Could not find operation ListRoles for version 2011-01-01</Message>',
    );
    expect((await raw('Version=2010-05-08')).text).toContain('<Code>MissingAction</Code>');
    expect((await raw('Action=ListRoles')).text).toContain('<Code>MissingParameter</Code>');
    const get = await fetch(`${server.url}/?Action=ListRoles&Version=2010-05-08`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request' },
    });
    expect(get.status).toBe(200);
    expect(await get.text()).toContain(
      '<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">',
    );
    const put = await raw('', 'PUT');
    expect([put.status, put.text.includes('<Code>InvalidAction</Code>')]).toEqual([400, true]);
    const huge = await raw(`Action=ListRoles&Version=2010-05-08&x=${'a'.repeat(1024 * 1024)}`);
    expect(huge.status).toBe(413);
    expect(huge.text).toContain('<Code>RequestEntityTooLarge</Code>');
  });

  it('refuses a parameter given twice with different values (query and body, or twice in one), creating nothing', async () => {
    const twice = async (query: string, body: string) => {
      const res = await fetch(`${server.url}/?${query}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00',
        },
        body,
      });
      return { status: res.status, text: await res.text() };
    };
    const trust = encodeURIComponent(lambdaTrust);
    const create = `Action=CreateRole&Version=2010-05-08&AssumeRolePolicyDocument=${trust}`;
    for (const [query, body] of [
      ['RoleName=twice-a', `${create}&RoleName=twice-b`],
      ['', `${create}&RoleName=twice-a&RoleName=twice-b`],
    ]) {
      const out = await twice(query, body);
      expect(out.status).toBe(400);
      expect(out.text).toContain('<Code>InvalidInput</Code>');
      expect(out.text).toContain('The parameter RoleName is given more than once with different values.');
    }
    const roles = await raw('Action=ListRoles&Version=2010-05-08');
    expect(roles.text).not.toContain('twice-');
    // The same value twice is one parameter.
    const same = await twice('RoleName=twice-same', `${create}&RoleName=twice-same`);
    expect(same.status).toBe(200);
    expect((await raw('Action=DeleteRole&Version=2010-05-08&RoleName=twice-same')).status).toBe(200);
  });
});

describe('IAM API: users and access keys', () => {
  // Once an access key exists islet may require valid signatures: the rest runs as an admin user.
  beforeAll(async () => {
    await iam.send(new CreateUserCommand({ UserName: 'admin' }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'admin', PolicyName: 'all', PolicyDocument: allowAll }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
    iam = client(key.AccessKey!.AccessKeyId!, key.AccessKey!.SecretAccessKey!);
  });

  it('creates, reads, lists and deletes users with their policies', async () => {
    const created = await iam.send(new CreateUserCommand({ UserName: 'ann', Path: '/team/' }));
    expect(created.User).toMatchObject({
      UserName: 'ann',
      Path: '/team/',
      Arn: 'arn:aws:iam::000000000000:user/team/ann',
    });
    expect(created.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect((await iam.send(new GetUserCommand({ UserName: 'ann' }))).User?.UserName).toBe('ann');
    expect((await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName)).toEqual([
      'admin',
      'ann',
    ]);
    const dup = await failure(iam.send(new CreateUserCommand({ UserName: 'Ann' })));
    expect(dup).toBeInstanceOf(EntityAlreadyExistsException);
    expect(dup.message).toBe('User with name Ann already exists.');

    await iam.send(
      new PutUserPolicyCommand({ UserName: 'ann', PolicyName: 'invoke', PolicyDocument: invokeOnly }),
    );
    const policy = await iam.send(new GetUserPolicyCommand({ UserName: 'ann', PolicyName: 'invoke' }));
    expect(decodeURIComponent(policy.PolicyDocument!)).toBe(invokeOnly);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'ann' }))).PolicyNames).toEqual([
      'invoke',
    ]);
    const conflict = await failure(iam.send(new DeleteUserCommand({ UserName: 'ann' })));
    expect(conflict).toBeInstanceOf(DeleteConflictException);
    expect(conflict.message).toBe('Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'ann', PolicyName: 'invoke' }));
    const missingPolicy = await failure(
      iam.send(new GetUserPolicyCommand({ UserName: 'ann', PolicyName: 'invoke' })),
    );
    expect(missingPolicy.message).toBe('The user policy with name invoke cannot be found.');
    await iam.send(new DeleteUserCommand({ UserName: 'ann' }));
    const gone = await failure(iam.send(new GetUserCommand({ UserName: 'ann' })));
    expect(gone).toBeInstanceOf(NoSuchEntityException);
    expect(gone.message).toBe('The user with name ann cannot be found.');
  });

  it('creates access keys with their secret once, and lists, deactivates and deletes them', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const created = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    expect(created).toMatchObject({ UserName: 'bob', Status: 'Active' });
    expect(created.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(created.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const second = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    const third = await failure(iam.send(new CreateAccessKeyCommand({ UserName: 'bob' })));
    expect(third).toBeInstanceOf(LimitExceededException);
    expect([third.$metadata.httpStatusCode, third.message]).toEqual([
      409,
      'Cannot exceed quota for AccessKeysPerUser: 2',
    ]);

    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: created.AccessKeyId, Status: 'Inactive' }),
    );
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    expect(listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([
      [created.AccessKeyId, 'Inactive'],
      [second.AccessKeyId, 'Active'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.SecretAccessKey);

    const conflict = await failure(iam.send(new DeleteUserCommand({ UserName: 'bob' })));
    expect(conflict.message).toBe('Cannot delete entity, must delete access keys first.');
    const badStatus = await failure(
      iam.send(
        new UpdateAccessKeyCommand({
          UserName: 'bob',
          AccessKeyId: second.AccessKeyId,
          Status: 'Paused' as any,
        }),
      ),
    );
    expect(badStatus.name).toBe('ValidationError');
    const wrongUser = await failure(
      iam.send(new DeleteAccessKeyCommand({ UserName: 'admin', AccessKeyId: second.AccessKeyId })),
    );
    expect(wrongUser).toBeInstanceOf(NoSuchEntityException);
    expect(wrongUser.message).toBe(`The Access Key with id ${second.AccessKeyId} cannot be found.`);

    for (const k of [created, second])
      await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: k.AccessKeyId }));
    expect((await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }))).AccessKeyMetadata).toEqual([]);
    const unknown = await failure(
      iam.send(new DeleteAccessKeyCommand({ UserName: 'bob', AccessKeyId: created.AccessKeyId })),
    );
    expect(unknown).toBeInstanceOf(NoSuchEntityException);
    await iam.send(new DeleteUserCommand({ UserName: 'bob' }));
  });

  it('refuses keys for users that do not exist', async () => {
    const e = await failure(iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' })));
    expect(e).toBeInstanceOf(NoSuchEntityException);
    expect(e.message).toBe('The user with name nobody cannot be found.');
  });
});
