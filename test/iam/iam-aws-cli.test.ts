import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../helpers/aws-cli';
import { startServer, type TestServer } from '../helpers/server';

function hasAwsCli(): boolean {
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const invoke = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }],
};

let server: TestServer;
const aws = (...args: string[]) => awsCli(server.url, 'iam', ...args);

/** The CLI's exit code and message of a failing command. */
async function cliFailure(p: Promise<unknown>): Promise<{ code: number; stderr: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  throw new Error('expected the command to fail');
}

describe.skipIf(!hasAwsCli())('IAM API through the AWS CLI', () => {
  beforeAll(async () => {
    server = await startServer({ args: ['--executors', '1'] });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    server?.cleanup();
  });

  it('creates a role with an inline policy and shows the documents decoded', async () => {
    const created = JSON.parse(
      (await aws('create-role', '--role-name', 'app', '--assume-role-policy-document', trust)).stdout,
    );
    expect(created.Role).toMatchObject({ RoleName: 'app', Arn: 'arn:aws:iam::000000000000:role/app' });
    // The CLI URL-decodes and parses the policy documents IAM returns.
    expect(created.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust));
    await aws(
      'put-role-policy',
      '--role-name',
      'app',
      '--policy-name',
      'invoke',
      '--policy-document',
      JSON.stringify(invoke),
    );
    const policy = JSON.parse(
      (await aws('get-role-policy', '--role-name', 'app', '--policy-name', 'invoke')).stdout,
    );
    expect(policy).toEqual({ RoleName: 'app', PolicyName: 'invoke', PolicyDocument: invoke });
    const listed = JSON.parse((await aws('list-role-policies', '--role-name', 'app')).stdout);
    expect(listed.PolicyNames).toEqual(['invoke']);
    const roles = JSON.parse((await aws('list-roles')).stdout);
    expect(roles.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual(['app']);
  });

  it('reports IAM errors by code and message', async () => {
    const missing = await cliFailure(aws('get-role', '--role-name', 'nope'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      'An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name nope cannot be found.',
    );
    const conflict = await cliFailure(aws('delete-role', '--role-name', 'app'));
    expect(conflict.stderr).toContain(
      'An error occurred (DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must delete policies first.',
    );
    const malformed = await cliFailure(
      aws(
        'put-role-policy',
        '--role-name',
        'app',
        '--policy-name',
        'bad',
        '--policy-document',
        '{"Statement":[]}',
      ),
    );
    expect(malformed.stderr).toContain(
      'An error occurred (MalformedPolicyDocument) when calling the PutRolePolicy operation: Syntax errors in policy.',
    );
    const exists = await cliFailure(
      aws('create-role', '--role-name', 'app', '--assume-role-policy-document', trust),
    );
    expect(exists.stderr).toContain('(EntityAlreadyExists)');
  });

  it('deletes a role once its policies are gone', async () => {
    await aws('delete-role-policy', '--role-name', 'app', '--policy-name', 'invoke');
    await aws('delete-role', '--role-name', 'app');
    expect(JSON.parse((await aws('list-roles')).stdout).Roles).toEqual([]);
  });

  it('creates users and access keys', async () => {
    const user = JSON.parse((await aws('create-user', '--user-name', 'ann')).stdout);
    expect(user.User.Arn).toBe('arn:aws:iam::000000000000:user/ann');
    await aws(
      'put-user-policy',
      '--user-name',
      'ann',
      '--policy-name',
      'invoke',
      '--policy-document',
      JSON.stringify(invoke),
    );
    const got = JSON.parse(
      (await aws('get-user-policy', '--user-name', 'ann', '--policy-name', 'invoke')).stdout,
    );
    expect(got.PolicyDocument).toEqual(invoke);
    // Last: once a key exists islet may require signatures made with one.
    const key = JSON.parse((await aws('create-access-key', '--user-name', 'ann')).stdout);
    expect(key.AccessKey).toMatchObject({ UserName: 'ann', Status: 'Active' });
    expect(key.AccessKey.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.AccessKey.SecretAccessKey).toHaveLength(40);
  });
});
