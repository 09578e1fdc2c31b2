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

/** The SDK's checks of a waiter's settings, with its messages (a wait shorter than one delay never polls twice). */
function validateWaiter(maxWaitTime: number, minDelay: number, maxDelay: number): void {
  const check = (bad: boolean, message: string) => {
    if (bad) throw new Error(`WaiterConfiguration.${message}`);
  };
  check(!(maxWaitTime > 0), 'maxWaitTime must be greater than 0');
  check(!(minDelay > 0), 'minDelay must be greater than 0');
  check(!(maxDelay > 0), 'maxDelay must be greater than 0');
  check(
    maxWaitTime <= minDelay,
    `maxWaitTime [${maxWaitTime}] must be greater than WaiterConfiguration.minDelay [${minDelay}] for this waiter`,
  );
  check(
    maxDelay < minDelay,
    `maxDelay [${maxDelay}] must be greater than WaiterConfiguration.minDelay [${minDelay}] for this waiter`,
  );
}

/** Polls DescribeTable until `done` says so or maxWaitTime passes (then a TimeoutError, as the SDK). */
function tableWaiter(done: (table: { TableStatus?: string } | undefined) => boolean) {
  return async (params: WaiterConfiguration, input: Record<string, unknown>) => {
    const minDelay = params.minDelay ?? 20;
    const maxDelay = params.maxDelay ?? 120;
    validateWaiter(params.maxWaitTime, minDelay, maxDelay);
    const end = Date.now() + params.maxWaitTime * 1000;
    let delay = minDelay * 1000;
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
      delay = Math.min(delay * 2, maxDelay * 1000);
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
