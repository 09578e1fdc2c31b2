/**
 * Where attribute values sit in each DynamoDB document operation's input and output: the members
 * a document client (lib-dynamodb in v3, AWS.DynamoDB.DocumentClient in v2) converts between
 * native values and DynamoDB JSON. The trees follow the real lib-dynamodb, command by command.
 *
 * A tree says where attribute values are: 'self' (this value is one), 'each' (every member of this
 * map or list is one), {'*': tree} (every member, then tree), {Name: tree} (those members only).
 */
export type Tree = 'self' | 'each' | { [member: string]: Tree };

export interface DocOperation {
  /** The low-level operation run for it. */
  op: string;
  input: Tree;
  output: Tree;
}

const keyedWrite = (item: 'Item' | 'Key'): Tree => ({
  [item]: 'each',
  Expected: { '*': { Value: 'self', AttributeValueList: 'each' } },
  ExpressionAttributeValues: 'each',
});
const writtenOutput: Tree = { Attributes: 'each', ItemCollectionMetrics: { ItemCollectionKey: 'each' } };
const pageOutput: Tree = { Items: { '*': 'each' }, LastEvaluatedKey: 'each' };
const batchWrites: Tree = { '*': { '*': { PutRequest: { Item: 'each' }, DeleteRequest: { Key: 'each' } } } };

/** The document commands, by name without "Command". */
export const docOperations: Record<string, DocOperation> = {
  Get: { op: 'GetItem', input: { Key: 'each' }, output: { Item: 'each' } },
  Put: { op: 'PutItem', input: keyedWrite('Item'), output: writtenOutput },
  Update: {
    op: 'UpdateItem',
    input: { ...(keyedWrite('Key') as object), AttributeUpdates: { '*': { Value: 'self' } } },
    output: writtenOutput,
  },
  Delete: { op: 'DeleteItem', input: keyedWrite('Key'), output: writtenOutput },
  Query: {
    op: 'Query',
    input: {
      KeyConditions: { '*': { AttributeValueList: 'each' } },
      QueryFilter: { '*': { AttributeValueList: 'each' } },
      ExclusiveStartKey: 'each',
      ExpressionAttributeValues: 'each',
    },
    output: pageOutput,
  },
  Scan: {
    op: 'Scan',
    input: {
      ScanFilter: { '*': { AttributeValueList: 'each' } },
      ExclusiveStartKey: 'each',
      ExpressionAttributeValues: 'each',
    },
    output: pageOutput,
  },
  BatchGet: {
    op: 'BatchGetItem',
    input: { RequestItems: { '*': { Keys: { '*': 'each' } } } },
    output: {
      Responses: { '*': { '*': 'each' } },
      UnprocessedKeys: { '*': { Keys: { '*': 'each' } } },
    },
  },
  BatchWrite: {
    op: 'BatchWriteItem',
    input: { RequestItems: batchWrites },
    output: {
      UnprocessedItems: batchWrites,
      ItemCollectionMetrics: { '*': { '*': { ItemCollectionKey: 'each' } } },
    },
  },
  TransactGet: {
    op: 'TransactGetItems',
    input: { TransactItems: { '*': { Get: { Key: 'each' } } } },
    output: { Responses: { '*': { Item: 'each' } } },
  },
  TransactWrite: {
    op: 'TransactWriteItems',
    input: {
      TransactItems: {
        '*': {
          ConditionCheck: { Key: 'each', ExpressionAttributeValues: 'each' },
          Put: { Item: 'each', ExpressionAttributeValues: 'each' },
          Delete: { Key: 'each', ExpressionAttributeValues: 'each' },
          Update: { Key: 'each', ExpressionAttributeValues: 'each' },
        },
      },
    },
    output: { ItemCollectionMetrics: { '*': { '*': { ItemCollectionKey: 'each' } } } },
  },
  ExecuteStatement: {
    op: 'ExecuteStatement',
    input: { Parameters: 'each' },
    output: pageOutput,
  },
  BatchExecuteStatement: {
    op: 'BatchExecuteStatement',
    input: { Statements: { '*': { Parameters: 'each' } } },
    output: { Responses: { '*': { Error: { Item: 'each' }, Item: 'each' } } },
  },
  ExecuteTransaction: {
    op: 'ExecuteTransaction',
    input: { TransactStatements: { '*': { Parameters: 'each' } } },
    output: { Responses: { '*': { Item: 'each' } } },
  },
};

type Fn = (v: unknown) => unknown;

function withoutFunctions(value: object): Record<string, unknown> | unknown[] {
  if (Array.isArray(value)) return value.filter((v) => typeof v !== 'function');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = v;
  return out;
}

/** Applies `fn` to the attribute values `tree` points at in `value`; everything else is kept. */
export function translate(value: unknown, tree: Tree, fn: Fn): unknown {
  if (value === undefined || value === null || typeof value !== 'object') {
    return value === undefined ? undefined : tree === 'self' ? fn(value) : value;
  }
  if (tree === 'self') return fn(value);
  const all =
    tree === 'each' ? 'self' : Object.keys(tree).length === 1 && '*' in tree ? tree['*']! : undefined;
  if (all !== undefined) {
    if (Array.isArray(value)) {
      return value.filter((v) => typeof v !== 'function').map((v) => translate(v, all, fn));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'function') continue;
      const t = translate(v, all, fn);
      if (t !== undefined) out[k] = t;
    }
    return out;
  }
  const out = withoutFunctions(value) as Record<string, unknown>;
  for (const [member, sub] of Object.entries(tree as Record<string, Tree>)) {
    const v = (value as Record<string, unknown>)[member];
    if (v === undefined || typeof v === 'function') continue;
    const t = translate(v, sub, fn);
    if (t !== undefined) out[member] = t;
  }
  return out;
}
