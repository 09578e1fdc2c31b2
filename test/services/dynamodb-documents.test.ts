import * as lib from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { docOperations, type Tree, translate } from '../../src/shims/aws/models/dynamodb-documents';

/** The real lib-dynamodb's key nodes in the shim's notation: null = self, {} or [] = each. */
function asTree(nodes: unknown): Tree {
  if (nodes === null) return 'self';
  if (Array.isArray(nodes) || Object.keys(nodes as object).length === 0) return 'each';
  return Object.fromEntries(Object.entries(nodes as object).map(([k, v]) => [k, asTree(v)]));
}

describe('document operations', () => {
  it('translate the same members as the real @aws-sdk/lib-dynamodb, command by command', () => {
    for (const [name, op] of Object.entries(docOperations)) {
      const Cmd = (lib as unknown as Record<string, new (i: object) => Record<string, unknown>>)[
        `${name}Command`
      ];
      expect(Cmd, name).toBeDefined();
      const real = new Cmd!({});
      expect(op.input, `${name} input`).toEqual(asTree(real.inputKeyNodes));
      expect(op.output, `${name} output`).toEqual(asTree(real.outputKeyNodes));
    }
  });

  it('marshal a transaction item by item, leaving the rest as it is', () => {
    const options = { convertTopLevelContainer: true };
    const input = {
      ClientRequestToken: 'tok',
      TransactItems: [
        {
          Put: {
            TableName: 't',
            Item: { id: 'a', tags: new Set(['x']), skip: undefined },
            ConditionExpression: 'c',
          },
        },
        {
          Update: {
            TableName: 't',
            Key: { id: 'b' },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': { deep: [1] } },
          },
        },
        { ConditionCheck: { TableName: 't', Key: { id: 'c' }, ConditionExpression: 'attribute_exists(id)' } },
      ],
    };
    const low = translate(input, docOperations.TransactWrite!.input, (v) => marshall(v as never, options));
    expect(low).toEqual({
      ClientRequestToken: 'tok',
      TransactItems: [
        { Put: { TableName: 't', Item: { id: { S: 'a' }, tags: { SS: ['x'] } }, ConditionExpression: 'c' } },
        {
          Update: {
            TableName: 't',
            Key: { id: { S: 'b' } },
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': { M: { deep: { L: [{ N: '1' }] } } } },
          },
        },
        {
          ConditionCheck: {
            TableName: 't',
            Key: { id: { S: 'c' } },
            ConditionExpression: 'attribute_exists(id)',
          },
        },
      ],
    });
    const out = translate(
      {
        Responses: [{ Item: { id: { S: 'a' }, n: { N: '2' } } }, {}],
        ConsumedCapacity: [{ TableName: 't' }],
      },
      docOperations.TransactGet!.output,
      (v) => unmarshall(v as never, { convertWithoutMapWrapper: true }),
    );
    expect(out).toEqual({
      Responses: [{ Item: { id: 'a', n: 2 } }, {}],
      ConsumedCapacity: [{ TableName: 't' }],
    });
  });
});
