import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { isletBin, startServer, type TestServer } from '../helpers/server';

const account = '123456789012';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${account}:function:${name}`;
const roleArn = (name: string) => `arn:aws:iam::${account}:role/${name}`;
const lambdaTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const run = promisify(execFile);

let server: TestServer;
let iam: IAMClient;

/** The caller function invokes `target` through the @aws-sdk/client-lambda shim and reports the outcome. */
async function callFrom(caller: string, target: string) {
  const r = await invoke(server.lambda(), caller, { target });
  expect(r.functionError).toBeUndefined();
  return r.payload as { ok?: unknown; name?: string; message?: string; status?: number };
}

async function setRole(fn: string, role: string) {
  await server.lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, Role: role }));
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1', '--account-id', account] });
  iam = new IAMClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  const lambda = server.lambda();
  for (const name of ['target-a', 'target-b']) {
    await deploy(lambda, name, { 'index.js': `exports.handler = async () => '${name} ran';` });
  }
  await deploy(lambda, 'caller', {
    'index.mjs': `import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
      const client = new LambdaClient({});
      export const handler = async (e) => {
        try {
          const out = await client.send(new InvokeCommand({ FunctionName: e.target, Payload: '{}' }));
          return { ok: JSON.parse(new TextDecoder().decode(out.Payload)) };
        } catch (err) {
          return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
        }
      };`,
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('execution roles of functions', () => {
  it('allows every call while no role exists (local mode) and says so at startup', async () => {
    expect(server.output()).toMatch(
      /"event":"iam.local_mode".*no IAM roles exist, so functions may call every service/,
    );
    expect(await callFrom('caller', 'target-b')).toEqual({ ok: 'target-b ran' });
  });

  it('once a role exists, a function calls what its role allows and nothing else', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'caller-role', AssumeRolePolicyDocument: lambdaTrust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'caller-role',
        PolicyName: 'invoke-a',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: fnArn('target-a'),
        }),
      }),
    );
    await setRole('caller', roleArn('caller-role'));
    expect(await callFrom('caller', 'target-a')).toEqual({ ok: 'target-a ran' });
    expect(await callFrom('caller', 'target-b')).toEqual({
      name: 'AccessDeniedException',
      status: 403,
      message:
        `User: ${fnArn('caller')} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('target-b')} ` +
        'because no identity-based policy allows the lambda:InvokeFunction action',
    });
  });

  it('a Deny statement wins over the Allow, from the next call on', async () => {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'caller-role',
        PolicyName: 'no-a',
        PolicyDocument: policy({
          Sid: 'NoA',
          Effect: 'Deny',
          Action: 'lambda:*',
          Resource: fnArn('target-a'),
        }),
      }),
    );
    const denied = await callFrom('caller', 'target-a');
    expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(denied.message).toMatch(
      /because of an explicit deny in an identity-based policy \(role caller-role, policy no-a, statement NoA\)$/,
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'caller-role', PolicyName: 'no-a' }));
    expect(await callFrom('caller', 'target-a')).toEqual({ ok: 'target-a ran' });
  });

  it('denies a function whose role does not exist, with the reason', async () => {
    // target-a and target-b kept the role they were created with, which was never created.
    await setRole('caller', roleArn('missing-role'));
    const r = await callFrom('caller', 'target-a');
    expect(r).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(r.message).toMatch(/because the function's execution role missing-role does not exist$/);
  });

  it('denies a role Lambda may not assume, and a role in another account', async () => {
    await setRole('caller', roleArn('caller-role'));
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'caller-role',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: {
            Effect: 'Allow',
            Principal: { Service: 'ec2.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        }),
      }),
    );
    expect((await callFrom('caller', 'target-a')).message).toMatch(
      /because the trust policy of role caller-role does not let lambda.amazonaws.com assume it$/,
    );
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'caller-role', PolicyDocument: lambdaTrust }),
    );
    expect(await callFrom('caller', 'target-a')).toEqual({ ok: 'target-a ran' });
    await setRole('caller', 'arn:aws:iam::999999999999:role/caller-role');
    expect((await callFrom('caller', 'target-a')).message).toMatch(
      /because the function's role arn:aws:iam::999999999999:role\/caller-role is not in islet's account 123456789012$/,
    );
    await setRole('caller', roleArn('caller-role'));
  });

  it('sees roles changed by `islet roles` in another process while it runs', async () => {
    const file = join(server.dataDir, 'invoke-b.json');
    writeFileSync(
      file,
      policy({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('target-b') }),
    );
    const cli = (...args: string[]) =>
      run(process.execPath, [
        '--no-node-snapshot',
        isletBin,
        ...args,
        '--data',
        server.dataDir,
        '--account-id',
        account,
      ]);
    await cli('roles', 'create', 'cli-role', '--policy', file);
    await setRole('caller', roleArn('cli-role'));
    expect(await callFrom('caller', 'target-b')).toEqual({ ok: 'target-b ran' });
    expect((await callFrom('caller', 'target-a')).message).toMatch(/no identity-based policy allows/);
    await cli('roles', 'delete', 'cli-role');
    expect((await callFrom('caller', 'target-b')).message).toMatch(/execution role cli-role does not exist$/);
  });
});
