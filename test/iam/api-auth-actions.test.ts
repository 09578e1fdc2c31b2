import type { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import {
  ApiAuthorizer,
  type ApiRequest,
  apiCallFor,
  dynamodbOperations,
  dynamodbStreamsOperations,
} from '../../src/control/api-actions';
import type { PolicyStatement } from '../../src/control/policy';
import { statementFrom } from '../../src/control/policy';
import { createApp } from '../../src/server/app';
import { EmbeddedTables } from '../../src/services/dynamodb-embedded';
import { DynamoDBStreamsApi } from '../../src/services/dynamodb-streams-api';

// The action table: every route maps to an IAM action and resource; the authorizer's decisions.

// The web console's assets are generated at build time; the route table does not need them.
vi.mock('islet:console', () => ({ consoleAssets: {}, consoleIndexTemplate: '' }));

const account = { region: 'us-east-1', accountId: '000000000000' };
const alice = { userName: 'alice', userArn: 'arn:aws:iam::000000000000:user/alice' };
const fnArn = (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:${n}`;

function req(
  api: ApiRequest['api'],
  method: string,
  target: string,
  body?: string | object,
  headers: Record<string, string> = {},
): ApiRequest {
  const u = new URL(`http://h${target}`);
  return {
    api,
    method,
    path: u.pathname,
    query: u.searchParams,
    header: (n) => headers[n.toLowerCase()],
    body:
      body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}
const call = (r: ApiRequest) => apiCallFor(r, account, alice);

/** A stub that answers any property with another stub, so routes can be registered without a server. */
function stub(): any {
  const f = () => stub();
  return new Proxy(f, { get: (_t, k) => (k === 'then' ? undefined : stub()) });
}

describe('every route islet registers has an IAM action, or is one of the open routes', () => {
  const app = createApp(stub(), stub(), stub()) as Hono;
  const open = /^\/(?:healthz|metrics|hooks\/|fn\/|code\/|console)/;
  const routes = app.routes.filter((r) => !(r.method === 'ALL' && (r.path === '/*' || r.path === '*')));

  it.each(routes.map((r) => [r.method, r.path]))('%s %s', (method, path) => {
    const sample = path
      .replace(/:([a-z]+)\{[^}]*\}/gi, 'sample-$1')
      .replace(/:([a-z]+)/gi, 'sample-$1')
      .replace(/\*$/, 'x');
    if (open.test(sample)) return;
    const found = call(req('lambda', method, sample, '{}'));
    expect(found, `${method} ${path} has no entry in the action table`).toBeDefined();
    expect(found!.action).toMatch(/^(lambda|islet):[A-Z][A-Za-z]+$/);
  });
});

describe('actions and resources', () => {
  it('Lambda routes: function ARNs (qualified when asked), mappings, * for lists', () => {
    expect(call(req('lambda', 'GET', '/2015-03-31/functions/'))).toEqual({
      action: 'lambda:ListFunctions',
      resource: '*',
    });
    expect(call(req('lambda', 'POST', '/2015-03-31/functions', { FunctionName: 'new-fn' }))).toMatchObject({
      action: 'lambda:CreateFunction',
      resource: fnArn('new-fn'),
    });
    expect(
      call(
        req(
          'lambda',
          'POST',
          '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A%24LATEST/invocations',
        ),
      ),
    ).toEqual({ action: 'lambda:InvokeFunction', resource: `${fnArn('f')}:$LATEST`, functionName: 'f' });
    expect(
      call(req('lambda', 'GET', '/2015-03-31/functions/f/configuration?Qualifier=$LATEST')),
    ).toMatchObject({
      action: 'lambda:GetFunctionConfiguration',
      resource: `${fnArn('f')}:$LATEST`,
    });
    expect(call(req('lambda', 'DELETE', '/2015-03-31/functions/f/policy/sid1'))).toMatchObject({
      action: 'lambda:RemovePermission',
    });
    expect(call(req('lambda', 'POST', '/2014-11-13/functions/f/invoke-async/'))).toMatchObject({
      action: 'lambda:InvokeAsync',
    });
    expect(call(req('lambda', 'GET', '/2015-03-31/event-source-mappings/abc-123'))).toEqual({
      action: 'lambda:GetEventSourceMapping',
      resource: 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:abc-123',
    });
    expect(call(req('lambda', 'POST', '/2015-03-31/event-source-mappings', { FunctionName: 'f' }))).toEqual({
      action: 'lambda:CreateEventSourceMapping',
      resource: '*',
      context: { 'lambda:FunctionArn': fnArn('f') },
    });
    expect(call(req('lambda', 'GET', '/2015-03-31/nothing'))).toBeUndefined();
    expect(call(req('lambda', 'HEAD', '/2015-03-31/functions/f'))).toBeUndefined();
  });

  it('S3: every operation of the embedded store and bucket notifications, on bucket or object ARNs', () => {
    expect(call(req('s3', 'PUT', '/uploads?notification', '<x/>'))).toEqual({
      action: 's3:PutBucketNotification',
      resource: 'arn:aws:s3:::uploads',
    });
    expect(call(req('s3', 'GET', '/uploads?notification='))).toMatchObject({
      action: 's3:GetBucketNotification',
    });
    const s3 = (method: string, target: string, headers: Record<string, string> = {}) =>
      call({ ...req('s3', method, target, undefined, headers), url: `http://h${target}` });
    const table: Array<[string, string, string, string]> = [
      ['GET', '/', 's3:ListAllMyBuckets', '*'],
      ['PUT', '/b1', 's3:CreateBucket', 'arn:aws:s3:::b1'],
      ['HEAD', '/b1', 's3:ListBucket', 'arn:aws:s3:::b1'],
      ['DELETE', '/b1', 's3:DeleteBucket', 'arn:aws:s3:::b1'],
      ['GET', '/b1?list-type=2&prefix=a', 's3:ListBucket', 'arn:aws:s3:::b1'],
      ['GET', '/b1', 's3:ListBucket', 'arn:aws:s3:::b1'],
      ['GET', '/b1?location', 's3:GetBucketLocation', 'arn:aws:s3:::b1'],
      ['GET', '/b1?uploads', 's3:ListBucketMultipartUploads', 'arn:aws:s3:::b1'],
      ['POST', '/b1?delete', 's3:DeleteObject', 'arn:aws:s3:::b1/*'],
      ['PUT', '/b1/dir/a%20b.txt', 's3:PutObject', 'arn:aws:s3:::b1/dir/a b.txt'],
      ['GET', '/b1/k%2Fslash', 's3:GetObject', 'arn:aws:s3:::b1/k/slash'],
      ['GET', '/b1/k%2541', 's3:GetObject', 'arn:aws:s3:::b1/k%41'],
      ['HEAD', '/b1/k', 's3:GetObject', 'arn:aws:s3:::b1/k'],
      ['DELETE', '/b1/k', 's3:DeleteObject', 'arn:aws:s3:::b1/k'],
      ['POST', '/b1/k?uploads', 's3:PutObject', 'arn:aws:s3:::b1/k'],
      ['PUT', '/b1/k?partNumber=1&uploadId=u', 's3:PutObject', 'arn:aws:s3:::b1/k'],
      ['POST', '/b1/k?uploadId=u', 's3:PutObject', 'arn:aws:s3:::b1/k'],
      ['DELETE', '/b1/k?uploadId=u', 's3:AbortMultipartUpload', 'arn:aws:s3:::b1/k'],
      ['GET', '/b1/k?uploadId=u', 's3:ListMultipartUploadParts', 'arn:aws:s3:::b1/k'],
    ];
    for (const [method, target, action, resource] of table) {
      expect(s3(method, target), `${method} ${target}`).toEqual({ action, resource });
    }
    // A copy needs read access to its source too; virtual-host style names the bucket in the Host.
    expect(s3('PUT', '/b2/dst', { 'x-amz-copy-source': '/b1/src%20key' })).toEqual({
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::b2/dst',
      also: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b1/src key' }],
    });
    expect(s3('GET', '/photo.jpg', { host: 'pics.localhost:4000' })).toEqual({
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::pics/photo.jpg',
    });
    // Sub-resources islet does not implement, and methods no operation has, are not known.
    expect(s3('GET', '/b1?acl')).toBeUndefined();
    expect(s3('PUT', '/b1/k?tagging')).toBeUndefined();
    expect(s3('PATCH', '/b1/k')).toBeUndefined();
    expect(s3('POST', '/b1')).toBeUndefined();
  });

  it('EventBridge rules by name (and bus)', () => {
    const target = (op: string) => ({ 'x-amz-target': `AWSEvents.${op}` });
    expect(call(req('events', 'POST', '/', { Name: 'nightly' }, target('PutRule')))).toEqual({
      action: 'events:PutRule',
      resource: 'arn:aws:events:us-east-1:000000000000:rule/nightly',
    });
    expect(
      call(req('events', 'POST', '/', { Rule: 'r', EventBusName: 'bus' }, target('PutTargets'))),
    ).toMatchObject({
      resource: 'arn:aws:events:us-east-1:000000000000:rule/bus/r',
    });
    expect(call(req('events', 'POST', '/', {}, target('ListRules')))).toMatchObject({ resource: '*' });
    expect(call(req('events', 'POST', '/', {}, { 'x-amz-target': 'Other.PutRule' }))).toBeUndefined();
  });

  it('IAM: users and roles by name, the caller itself for its own keys; conflicting parameters are refused', () => {
    expect(
      call(req('iam', 'POST', '/', 'Action=CreateRole&RoleName=r&Path=%2Fteam%2F&Version=2010-05-08')),
    ).toEqual({
      action: 'iam:CreateRole',
      resource: 'arn:aws:iam::000000000000:role/team/r',
    });
    expect(call(req('iam', 'POST', '/', 'Action=PutUserPolicy&UserName=bob'))).toMatchObject({
      resource: 'arn:aws:iam::000000000000:user/bob',
    });
    expect(call(req('iam', 'POST', '/', 'Action=CreateAccessKey'))).toMatchObject({
      resource: alice.userArn,
    });
    expect(call(req('iam', 'POST', '/', 'Action=ListUsers'))).toMatchObject({ resource: '*' });
    // The route reads the body over the query: a request naming two different actions is no operation.
    expect(call(req('iam', 'POST', '/?Action=ListUsers', 'Action=DeleteUser&UserName=bob'))).toBeUndefined();
    expect(call(req('iam', 'POST', '/', 'Action=DeleteUser&UserName=bob&UserName=alice'))).toBeUndefined();
  });

  it('CloudWatch Logs and CloudWatch: the operation wherever the protocol puts it', () => {
    expect(
      call(
        req(
          'logs',
          'POST',
          '/',
          { logGroupName: '/aws/lambda/f' },
          { 'x-amz-target': 'Logs_20140328.GetLogEvents' },
        ),
      ),
    ).toEqual({
      action: 'logs:GetLogEvents',
      resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f',
    });
    expect(
      call(req('monitoring', 'POST', '/service/GraniteServiceVersion20100801/operation/GetMetricData')),
    ).toEqual({
      action: 'monitoring:GetMetricData',
      resource: '*',
    });
    // A path operation wins over a target header, as in the route.
    expect(
      call(
        req('monitoring', 'POST', '/service/X/operation/DeleteAlarms', '', {
          'x-amz-target': 'GraniteServiceVersion20100801.ListMetrics',
        }),
      ),
    ).toMatchObject({ action: 'monitoring:DeleteAlarms' });
    expect(call(req('monitoring', 'POST', '/', 'Action=ListMetrics&Version=2010-08-01'))).toMatchObject({
      action: 'monitoring:ListMetrics',
    });
  });
});

describe('ApiAuthorizer', () => {
  const allowInvokeF = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn('f') }],
  });
  const denyAll = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
  });
  const grant = (principal: string, extra: Record<string, unknown> = {}): PolicyStatement[] => [
    statementFrom(
      { StatementId: 's', Action: 'lambda:InvokeFunction', Principal: principal, ...extra },
      fnArn('g'),
    ),
  ];
  const authorizer = (policies: string[], resource?: PolicyStatement[]) =>
    new ApiAuthorizer({
      userPolicies: () => policies,
      functionPolicy: (n) => (n === 'g' ? resource : undefined),
    });
  const invokeG = { action: 'lambda:InvokeFunction', resource: fnArn('g'), functionName: 'g' };

  it('allows what a user policy allows and says why not otherwise, in AWS words', () => {
    expect(
      authorizer([allowInvokeF]).decide({ ...invokeG, resource: fnArn('f'), functionName: 'f' }, alice),
    ).toEqual({ allowed: true });
    expect(authorizer([allowInvokeF]).decide(invokeG, alice)).toEqual({
      allowed: false,
      message: `User: ${alice.userArn} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn('g')} because no identity-based policy allows the lambda:InvokeFunction action`,
    });
    expect(
      authorizer([allowInvokeF, denyAll]).decide({ ...invokeG, resource: fnArn('f') }, alice),
    ).toMatchObject({
      allowed: false,
      message: expect.stringMatching(/with an explicit deny in an identity-based policy$/),
    });
  });

  it("a function's resource policy grants to the user's ARN, its account, or *; not to others", () => {
    expect(authorizer([], grant(alice.userArn)).decide(invokeG, alice).allowed).toBe(true);
    expect(authorizer([], grant('000000000000')).decide(invokeG, alice).allowed).toBe(true);
    expect(authorizer([], grant('arn:aws:iam::000000000000:root')).decide(invokeG, alice).allowed).toBe(true);
    expect(authorizer([], grant('*')).decide(invokeG, alice).allowed).toBe(true);
    expect(authorizer([], grant('arn:aws:iam::000000000000:user/bob')).decide(invokeG, alice).allowed).toBe(
      false,
    );
    expect(authorizer([], grant('111111111111')).decide(invokeG, alice).allowed).toBe(false);
    // A grant for a service, or one bound to a source ARN, does not cover a user.
    expect(authorizer([], grant('s3.amazonaws.com')).decide(invokeG, alice).allowed).toBe(false);
    expect(authorizer([], grant('*', { SourceArn: 'arn:aws:s3:::b' })).decide(invokeG, alice).allowed).toBe(
      false,
    );
    // It covers $LATEST, and only the action it names.
    expect(
      authorizer([], grant(alice.userArn)).decide({ ...invokeG, resource: `${fnArn('g')}:$LATEST` }, alice)
        .allowed,
    ).toBe(true);
    expect(
      authorizer([], grant(alice.userArn)).decide({ ...invokeG, action: 'lambda:GetFunction' }, alice)
        .allowed,
    ).toBe(false);
    // An explicit Deny in the user's policy wins over it.
    expect(authorizer([denyAll], grant(alice.userArn)).decide(invokeG, alice).allowed).toBe(false);
  });

  it('InvokeFunctionUrl grants honour lambda:FunctionUrlAuthType', () => {
    const url = { action: 'lambda:InvokeFunctionUrl', resource: fnArn('g'), functionName: 'g' };
    const iamOnly = [
      statementFrom(
        {
          StatementId: 'u',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: alice.userArn,
          FunctionUrlAuthType: 'AWS_IAM',
        },
        fnArn('g'),
      ),
    ];
    const a = authorizer([], iamOnly);
    expect(a.decide({ ...url, context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } }, alice).allowed).toBe(
      true,
    );
    expect(a.decide({ ...url, context: { 'lambda:FunctionUrlAuthType': 'NONE' } }, alice).allowed).toBe(
      false,
    );
    expect(() =>
      statementFrom(
        { StatementId: 'u', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'OPEN' },
        fnArn('g'),
      ),
    ).toThrow('FunctionUrlAuthType must be NONE or AWS_IAM');
  });
});

describe("DynamoDB (islet's own tables)", () => {
  const ddb = (op: string, body: object = {}) =>
    call(req('dynamodb', 'POST', '/', body, { 'x-amz-target': `DynamoDB_20120810.${op}` }));
  const table = (t: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${t}`;

  it('every operation the tables answer has a row, dynamodb:<Operation> on the table', () => {
    for (const op of EmbeddedTables.operations()) {
      expect(dynamodbOperations, op).toContain(op);
      const found = ddb(op, {
        TableName: 'orders',
        RequestItems: { orders: [] },
        TransactItems: [{ Get: { TableName: 'orders' } }],
      });
      expect(found, op).toBeDefined();
      expect(found!.action).toMatch(/^dynamodb:[A-Z][A-Za-z]+$/);
    }
    expect(ddb('PutItem', { TableName: 'orders' })).toEqual({
      action: 'dynamodb:PutItem',
      resource: table('orders'),
    });
    expect(ddb('Query', { TableName: 'orders', IndexName: 'by-date' })).toEqual({
      action: 'dynamodb:Query',
      resource: `${table('orders')}/index/by-date`,
    });
    expect(ddb('ListTables')).toEqual({ action: 'dynamodb:ListTables', resource: '*' });
    expect(ddb('TagResource', { ResourceArn: table('orders') })).toEqual({
      action: 'dynamodb:TagResource',
      resource: table('orders'),
    });
    expect(ddb('DropDatabase', {})).toBeUndefined();
    expect(call(req('dynamodb', 'POST', '/', {}, {}))).toBeUndefined();
  });

  it('batches need the action on every table, transactions each item its own action', () => {
    expect(ddb('BatchWriteItem', { RequestItems: { a1x: [], b2y: [] } })).toEqual({
      action: 'dynamodb:BatchWriteItem',
      resource: table('a1x'),
      also: [{ action: 'dynamodb:BatchWriteItem', resource: table('b2y') }],
    });
    expect(
      ddb('TransactWriteItems', {
        TransactItems: [{ Put: { TableName: 'a1x' } }, { ConditionCheck: { TableName: 'b2y' } }],
      }),
    ).toEqual({
      action: 'dynamodb:PutItem',
      resource: table('a1x'),
      also: [{ action: 'dynamodb:ConditionCheckItem', resource: table('b2y') }],
    });
    // Input whose tables cannot be read needs the action on every resource.
    expect(ddb('GetItem', { TableName: '!' })).toEqual({ action: 'dynamodb:GetItem', resource: '*' });
    const onlyA = new ApiAuthorizer({
      userPolicies: () => [
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: table('a1x') }],
        }),
      ],
      functionPolicy: () => undefined,
    });
    expect(onlyA.decide(ddb('BatchWriteItem', { RequestItems: { a1x: [] } })!, alice)).toEqual({
      allowed: true,
    });
    const both = onlyA.decide(ddb('BatchWriteItem', { RequestItems: { a1x: [], b2y: [] } })!, alice);
    expect(both.allowed).toBe(false);
    expect(both).toMatchObject({ message: expect.stringContaining(`on resource: ${table('b2y')}`) });
    expect(onlyA.decide(ddb('GetItem', { TableName: '!' })!, alice).allowed).toBe(false);
  });

  it('the Streams API: dynamodb:<Operation> on the stream, GetRecords on the stream its iterator reads', () => {
    const streams = (op: string, body: object = {}) =>
      call(req('dynamodb', 'POST', '/', body, { 'x-amz-target': `DynamoDBStreams_20120810.${op}` }));
    const stream = `${table('orders')}/stream/2026-01-01T00:00:00.000`;
    for (const op of DynamoDBStreamsApi.operations()) {
      expect(dynamodbStreamsOperations, op).toContain(op);
      expect(streams(op, { StreamArn: stream })?.action, op).toBe(`dynamodb:${op}`);
    }
    expect(streams('DescribeStream', { StreamArn: stream })).toEqual({
      action: 'dynamodb:DescribeStream',
      resource: stream,
    });
    expect(streams('ListStreams', { TableName: 'orders' })).toEqual({
      action: 'dynamodb:ListStreams',
      resource: '*',
    });
    const iterator = Buffer.from(JSON.stringify({ a: stream, p: 0, t: 0 })).toString('base64url');
    expect(streams('GetRecords', { ShardIterator: iterator })).toEqual({
      action: 'dynamodb:GetRecords',
      resource: stream,
    });
    expect(streams('GetRecords', { ShardIterator: 'garbage' })).toEqual({
      action: 'dynamodb:GetRecords',
      resource: '*',
    });
    expect(streams('DeleteStream', {})).toBeUndefined();
  });
});
