import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  type IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server';
import { createKey, iamAs, type Key } from './iam/api-auth-helpers';

// islet with access keys: DynamoDB requests pass the same signature check and IAM policies.
const table = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;

let server: TestServer;
let admin: Key;
let iam: IAMClient;

const ddbAs = (k: Key) =>
  new DynamoDBClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: k.id, secretAccessKey: k.secret },
    maxAttempts: 1,
  });

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'islet-ddb-auth-'));
  admin = await createKey(dataDir, 'admin', '--admin');
  server = await startServer({ dataDir, args: ['--executors', '1'] });
  iam = iamAs(server.url, admin);
  const ddb = ddbAs(admin);
  for (const name of ['open-table', 'secret-table']) {
    await ddb.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  ddb.destroy();
}, 60_000);

afterAll(async () => {
  iam?.destroy();
  await server?.stop();
  server?.cleanup();
});

describe('DynamoDB requests with access keys', () => {
  it('a user allowed one table reaches it and is refused the other, in DynamoDB’s error shape', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: table('open-table') }],
        }),
      }),
    );
    const out = await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
    const reader = ddbAs({ id: out.AccessKey!.AccessKeyId!, secret: out.AccessKey!.SecretAccessKey! });
    await reader.send(new PutItemCommand({ TableName: 'open-table', Item: { id: { S: 'a' } } }));
    const got = await reader.send(new GetItemCommand({ TableName: 'open-table', Key: { id: { S: 'a' } } }));
    expect(got.Item).toEqual({ id: { S: 'a' } });

    const denied = await failure(
      reader.send(new GetItemCommand({ TableName: 'secret-table', Key: { id: { S: 'a' } } })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    // DynamoDB answers every client error, authorisation included, with 400.
    expect(denied.$metadata.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: arn:aws:iam::000000000000:user/reader is not authorized to perform: dynamodb:GetItem on resource: ${table('secret-table')} because no identity-based policy allows the dynamodb:GetItem action`,
    );
    // A batch over both tables needs both.
    const batch = await failure(
      reader.send(
        new BatchGetItemCommand({
          RequestItems: {
            'open-table': { Keys: [{ id: { S: 'a' } }] },
            'secret-table': { Keys: [{ id: { S: 'a' } }] },
          },
        }),
      ),
    );
    expect(batch.name).toBe('AccessDeniedException');
    expect(batch.message).toContain(`dynamodb:BatchGetItem on resource: ${table('secret-table')}`);
    reader.destroy();
  });

  it('unsigned requests and unknown keys are refused', async () => {
    const unsigned = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(
      unsigned.headers.get('x-amzn-errortype') ??
        ((await unsigned.clone().json()) as { __type: string }).__type,
    ).toContain('MissingAuthenticationToken');
    const stranger = ddbAs({ id: 'AKIAUNKNOWN000000000', secret: 'nope' });
    const unknown = await failure(
      stranger.send(new GetItemCommand({ TableName: 'open-table', Key: { id: { S: 'a' } } })),
    );
    expect(unknown.name).toBe('UnrecognizedClientException');
    stranger.destroy();
  });
});
