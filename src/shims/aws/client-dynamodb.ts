import { dynamodbModel } from './models/dynamodb';
import { type Command, clientModule, paginator } from './v3';

/** `@aws-sdk/client-dynamodb` inside the sandbox: low-level DynamoDB JSON, Uint8Array for B values. */
const mod = clientModule(dynamodbModel);

type CommandClass = new (input: Record<string, unknown>) => Command;
const command = (op: string) => mod[`${op}Command`] as CommandClass;

mod.paginateQuery = paginator(command('Query'), 'ExclusiveStartKey', 'LastEvaluatedKey', 'Limit');
mod.paginateScan = paginator(command('Scan'), 'ExclusiveStartKey', 'LastEvaluatedKey', 'Limit');
mod.paginateListTables = paginator(
  command('ListTables'),
  'ExclusiveStartTableName',
  'LastEvaluatedTableName',
  'Limit',
);

/** What a waiter takes: seconds, as in the SDK (minDelay 20, maxDelay 120 by default). */
interface WaiterConfiguration {
  client: { send(command: Command): Promise<unknown> | undefined };
  maxWaitTime: number;
  minDelay?: number;
  maxDelay?: number;
}

/** Polls DescribeTable until `done` says so or maxWaitTime passes (then a TimeoutError, as the SDK). */
function tableWaiter(done: (table: { TableStatus?: string } | undefined) => boolean) {
  return async (params: WaiterConfiguration, input: Record<string, unknown>) => {
    const end = Date.now() + (params.maxWaitTime ?? 0) * 1000;
    let delay = (params.minDelay ?? 20) * 1000;
    for (;;) {
      let table: { TableStatus?: string } | undefined;
      try {
        const out = (await params.client.send(new (command('DescribeTable'))(input))) as {
          Table?: { TableStatus?: string };
        };
        table = out.Table;
      } catch (e) {
        if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
      }
      if (done(table)) return { state: 'SUCCESS', reason: table };
      if (Date.now() + delay > end) {
        const err = new Error(`waiter for table ${String(input.TableName)} timed out`) as Error &
          Record<string, unknown>;
        err.name = 'TimeoutError';
        err.state = 'TIMEOUT';
        throw err;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, (params.maxDelay ?? 120) * 1000);
    }
  };
}

mod.waitUntilTableExists = tableWaiter((t) => t?.TableStatus === 'ACTIVE');
mod.waitForTableExists = mod.waitUntilTableExists;
mod.waitUntilTableNotExists = tableWaiter((t) => t === undefined);
mod.waitForTableNotExists = mod.waitUntilTableNotExists;

// The SDK's string enums that handler code commonly names.
const enumOf = (...values: string[]) => Object.freeze(Object.fromEntries(values.map((v) => [v, v])));
Object.assign(mod, {
  AttributeAction: enumOf('ADD', 'DELETE', 'PUT'),
  BillingMode: enumOf('PAY_PER_REQUEST', 'PROVISIONED'),
  ComparisonOperator: enumOf(
    'BEGINS_WITH',
    'BETWEEN',
    'CONTAINS',
    'EQ',
    'GE',
    'GT',
    'IN',
    'LE',
    'LT',
    'NE',
    'NOT_CONTAINS',
    'NOT_NULL',
    'NULL',
  ),
  ConditionalOperator: enumOf('AND', 'OR'),
  KeyType: enumOf('HASH', 'RANGE'),
  ProjectionType: enumOf('ALL', 'INCLUDE', 'KEYS_ONLY'),
  ReturnConsumedCapacity: enumOf('INDEXES', 'NONE', 'TOTAL'),
  ReturnItemCollectionMetrics: enumOf('NONE', 'SIZE'),
  ReturnValue: enumOf('ALL_NEW', 'ALL_OLD', 'NONE', 'UPDATED_NEW', 'UPDATED_OLD'),
  ReturnValuesOnConditionCheckFailure: enumOf('ALL_OLD', 'NONE'),
  ScalarAttributeType: enumOf('B', 'N', 'S'),
  Select: enumOf('ALL_ATTRIBUTES', 'ALL_PROJECTED_ATTRIBUTES', 'COUNT', 'SPECIFIC_ATTRIBUTES'),
  StreamViewType: enumOf('KEYS_ONLY', 'NEW_AND_OLD_IMAGES', 'NEW_IMAGE', 'OLD_IMAGE'),
  TableStatus: enumOf(
    'ACTIVE',
    'ARCHIVED',
    'ARCHIVING',
    'CREATING',
    'DELETING',
    'INACCESSIBLE_ENCRYPTION_CREDENTIALS',
    'UPDATING',
  ),
});

export default mod;
