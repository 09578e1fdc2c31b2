import { describe, expect, it } from 'vitest';
import { dynamodbAccess, dynamodbService } from './dynamodb';
import { ServiceEndpoints } from './endpoints';
import { ServiceCallFailure } from './host';
import { recordingContext, rejection } from './testing';

const account = { region: 'eu-west-1', accountId: '123456789012' };
const table = (name: string) => `arn:aws:dynamodb:eu-west-1:123456789012:table/${name}`;

function failure(run: () => unknown): { code: string; message: string; statusCode: number } {
  try {
    run();
  } catch (e) {
    if (e instanceof ServiceCallFailure)
      return { code: e.code, message: e.message, statusCode: e.statusCode };
    throw e;
  }
  throw new Error('expected a failure');
}

describe('dynamodbAccess', () => {
  it('asks for the operation on the table for single-table operations', () => {
    for (const op of [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'DescribeTable',
      'CreateTable',
      'DeleteTable',
    ]) {
      expect(dynamodbAccess(op, { TableName: 'orders' }, account)).toEqual({
        tables: ['orders'],
        permissions: [{ action: `dynamodb:${op}`, resource: table('orders') }],
      });
    }
  });

  it('asks for Query and Scan on the index when one is named', () => {
    expect(
      dynamodbAccess('Query', { TableName: 'orders', IndexName: 'by-date' }, account).permissions,
    ).toEqual([{ action: 'dynamodb:Query', resource: `${table('orders')}/index/by-date` }]);
    expect(dynamodbAccess('Scan', { TableName: 'orders' }, account).permissions).toEqual([
      { action: 'dynamodb:Scan', resource: table('orders') },
    ]);
  });

  it('takes a table ARN as the resource it names', () => {
    const arn = 'arn:aws:dynamodb:us-west-2:210987654321:table/remote';
    expect(dynamodbAccess('GetItem', { TableName: arn }, account)).toEqual({
      tables: ['remote'],
      permissions: [{ action: 'dynamodb:GetItem', resource: arn }],
    });
  });

  it('asks for batch operations on every table of the batch', () => {
    const access = dynamodbAccess('BatchWriteItem', { RequestItems: { orders: [], customers: [] } }, account);
    expect(access.tables).toEqual(['orders', 'customers']);
    expect(access.permissions).toEqual([
      { action: 'dynamodb:BatchWriteItem', resource: table('orders') },
      { action: 'dynamodb:BatchWriteItem', resource: table('customers') },
    ]);
    expect(dynamodbAccess('BatchGetItem', { RequestItems: { orders: {} } }, account).permissions).toEqual([
      { action: 'dynamodb:BatchGetItem', resource: table('orders') },
    ]);
  });

  it('asks for each transaction item’s own action, as AWS authorises transactions', () => {
    const access = dynamodbAccess(
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'orders' } },
          { Update: { TableName: 'stock' } },
          { Delete: { TableName: 'carts' } },
          { ConditionCheck: { TableName: 'customers' } },
          { Put: { TableName: 'orders' } },
        ],
      },
      account,
    );
    expect(access.tables).toEqual(['orders', 'stock', 'carts', 'customers']);
    expect(access.permissions).toEqual([
      { action: 'dynamodb:PutItem', resource: table('orders') },
      { action: 'dynamodb:UpdateItem', resource: table('stock') },
      { action: 'dynamodb:DeleteItem', resource: table('carts') },
      { action: 'dynamodb:ConditionCheckItem', resource: table('customers') },
    ]);
    expect(
      dynamodbAccess('TransactGetItems', { TransactItems: [{ Get: { TableName: 'orders' } }] }, account)
        .permissions,
    ).toEqual([{ action: 'dynamodb:GetItem', resource: table('orders') }]);
  });

  it('asks for ListTables on *', () => {
    expect(dynamodbAccess('ListTables', {}, account)).toEqual({
      tables: [],
      permissions: [{ action: 'dynamodb:ListTables', resource: '*' }],
    });
  });

  it('refuses inputs that do not name their tables properly with ValidationException', () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['GetItem', {}],
      ['GetItem', { TableName: 42 }],
      ['GetItem', { TableName: 'ab' }],
      ['GetItem', { TableName: 'has space' }],
      ['GetItem', { TableName: 'x'.repeat(256) }],
      ['GetItem', { TableName: 'arn:aws:dynamodb:eu-west-1:1:table/orders' }],
      ['Query', { TableName: 'orders', IndexName: 7 }],
      ['BatchGetItem', {}],
      ['BatchGetItem', { RequestItems: {} }],
      ['BatchWriteItem', { RequestItems: ['orders'] }],
      ['BatchWriteItem', { RequestItems: { 'bad name': [] } }],
      ['TransactWriteItems', {}],
      ['TransactWriteItems', { TransactItems: [] }],
      [
        'TransactWriteItems',
        { TransactItems: Array.from({ length: 101 }, () => ({ Put: { TableName: 'orders' } })) },
      ],
      ['TransactWriteItems', { TransactItems: ['x'] }],
      [
        'TransactWriteItems',
        { TransactItems: [{ Put: { TableName: 'a1x' }, Delete: { TableName: 'a1x' } }] },
      ],
      ['TransactWriteItems', { TransactItems: [{ Get: { TableName: 'orders' } }] }],
      ['TransactWriteItems', { TransactItems: [{ Put: 'orders' }] }],
      ['TransactGetItems', { TransactItems: [{ Get: {} }] }],
    ];
    for (const [op, input] of bad) {
      const f = failure(() => dynamodbAccess(op, input, account));
      expect(f, `${op} ${JSON.stringify(input).slice(0, 80)}`).toMatchObject({
        code: 'ValidationException',
        statusCode: 400,
      });
    }
    expect(failure(() => dynamodbAccess('GetItem', {}, account)).message).toContain(
      "Value null at 'tableName'",
    );
  });
});

describe('dynamodbService', () => {
  const empty = new ServiceEndpoints(undefined, { region: 'us-east-1' });
  const service = dynamodbService({ endpoints: empty, account });
  const context = recordingContext;

  it('authorises every table before looking for an endpoint', async () => {
    const asked: string[] = [];
    const e = await rejection(
      service('BatchGetItem', { RequestItems: { orders: {}, stock: {} } }, context(true, asked)),
    );
    expect(e.code).toBe('AccessDeniedException');
    expect(asked).toEqual([`dynamodb:BatchGetItem ${table('orders')}`]);
  });

  it('answers ResourceNotFoundException when no endpoint serves the table', async () => {
    const asked: string[] = [];
    const e = await rejection(service('GetItem', { TableName: 'orders' }, context(false, asked)));
    expect(e).toMatchObject({ code: 'ResourceNotFoundException', statusCode: 400 });
    expect(e.message).toContain("table 'orders'");
    expect(asked).toEqual([`dynamodb:GetItem ${table('orders')}`]);
  });

  it('names an operation it does not offer, before anything else', async () => {
    const asked: string[] = [];
    const e = await rejection(service('ExecuteStatement', { Statement: 'SELECT' }, context(false, asked)));
    expect(e.code).toBe('UnknownOperationException');
    expect(e.message).toMatch(/does not offer ExecuteStatement; it offers GetItem, PutItem/);
    expect(asked).toEqual([]);
    expect((await rejection(service('__proto__', {}, context(false, [])))).code).toBe(
      'UnknownOperationException',
    );
  });

  it('refuses nesting beyond what DynamoDB allows before the SDK serialises it', async () => {
    let deep: unknown = { S: 'x' };
    for (let i = 0; i < 5000; i++) deep = { M: { a: deep } };
    const asked: string[] = [];
    const e = await rejection(
      service('PutItem', { TableName: 'orders', Item: { id: deep } }, context(false, asked)),
    );
    expect(e).toMatchObject({ code: 'ValidationException', statusCode: 400 });
    expect(e.message).toBe('Nesting Levels have exceeded supported limits');
    expect(asked).toEqual([]);
    let allowed: unknown = { S: 'x' };
    for (let i = 0; i < 32; i++) allowed = { M: { a: allowed } };
    const ok = await rejection(
      service('PutItem', { TableName: 'orders', Item: { id: allowed } }, context(false, [])),
    );
    expect(ok.code).toBe('ResourceNotFoundException');
  });

  it('refuses a call whose tables are on different endpoints', async () => {
    const endpoints = new ServiceEndpoints(
      {
        dynamodb: {
          tables: {
            orders: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'a', secretAccessKey: 'b' },
            stock: { endpoint: 'http://127.0.0.1:2', accessKeyId: 'a', secretAccessKey: 'b' },
          },
        },
      },
      { region: 'us-east-1' },
    );
    const split = dynamodbService({ endpoints, account });
    const e = await rejection(
      split('BatchWriteItem', { RequestItems: { orders: [], stock: [] } }, context(false, [])),
    );
    expect(e).toMatchObject({ code: 'ValidationException', statusCode: 400 });
    expect(e.message).toContain('different endpoints');
    split.close();
  });
});
