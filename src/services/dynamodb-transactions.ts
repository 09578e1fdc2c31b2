import type { ConditionalWrite } from '../store/table-engine';
import { TableEngineError } from '../store/table-engine';
import { type EmbeddedTables, type Item, keyFrom, tableError } from './dynamodb-embedded';

/**
 * TransactWriteItems and TransactGetItems over the table engine (which has neither). Holding the
 * locks of every table involved, a write transaction checks every condition first, then applies
 * the writes; a write the engine refuses midway puts the items already written back as they were.
 * All or nothing while islet runs; a kill -9 in the middle of applying can leave part of it.
 */

type Kind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
const kinds: Kind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];

interface Step {
  kind: Kind;
  table: string;
  key: Item;
  op: ConditionalWrite;
  input: Record<string, unknown>;
  returnOld: boolean;
}

function items(input: Record<string, any>, op: string): Array<Record<string, any>> {
  const list = input.TransactItems;
  if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
    throw tableError(
      'ValidationException',
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and 100 (${op})`,
    );
  }
  return list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw tableError('ValidationException', `transactItems.${i + 1} must be a structure`);
    }
    return item as Record<string, any>;
  });
}

const pick = (from: Record<string, any>, names: string[]) =>
  Object.fromEntries(names.filter((n) => from[n] !== undefined).map((n) => [n, from[n]]));

const expressionMembers = ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'];

/** One transaction item as the single-item operation that does (or checks) the same. */
async function stepOf(tables: EmbeddedTables, item: Record<string, any>, i: number): Promise<Step> {
  const present = kinds.filter((k) => item[k] !== undefined && item[k] !== null);
  if (present.length !== 1) {
    throw tableError(
      'ValidationException',
      `transactItems.${i + 1} must hold exactly one of Put, Update, Delete, ConditionCheck`,
    );
  }
  const kind = present[0]!;
  const r = item[kind] as Record<string, any>;
  if (typeof r !== 'object' || typeof r.TableName !== 'string') {
    throw tableError('ValidationException', `transactItems.${i + 1}.${kind}.TableName is required`);
  }
  const names = await tables.keyNames(r.TableName);
  const key = keyFrom(kind === 'Put' ? r.Item : r.Key, names);
  if (!key) {
    throw tableError('ValidationException', 'The provided key element does not match the schema');
  }
  if (kind === 'ConditionCheck' && typeof r.ConditionExpression !== 'string') {
    throw tableError('ValidationException', 'ConditionExpression is required for ConditionCheck');
  }
  const base = { TableName: r.TableName, ...pick(r, expressionMembers) };
  const input =
    kind === 'Put'
      ? { ...base, Item: r.Item }
      : kind === 'Update'
        ? { ...base, Key: r.Key, ...pick(r, ['UpdateExpression']) }
        : { ...base, Key: r.Key };
  const op: ConditionalWrite = kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
  return {
    kind,
    table: r.TableName,
    key,
    op,
    input,
    returnOld: r.ReturnValuesOnConditionCheckFailure === 'ALL_OLD',
  };
}

function canceled(reasons: Array<Record<string, unknown>>): TableEngineError {
  const codes = reasons.map((r) => r.Code).join(', ');
  return tableError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    { CancellationReasons: reasons },
  );
}

/** TransactWriteItems: every condition holds and every write is applied, or none is. */
export async function transactWriteItems(
  tables: EmbeddedTables,
  input: Record<string, any>,
): Promise<Record<string, any>> {
  const list = items(input, 'TransactWriteItems');
  const steps: Step[] = [];
  for (const [i, item] of list.entries()) steps.push(await stepOf(tables, item, i));
  const seen = new Set<string>();
  for (const s of steps) {
    const id = `${s.table}\u0000${JSON.stringify(s.key)}`;
    if (seen.has(id)) {
      throw tableError(
        'ValidationException',
        'Transaction request cannot include multiple operations on one item',
      );
    }
    seen.add(id);
  }
  const writes = steps.filter((s) => s.kind !== 'ConditionCheck');
  const targets = writes.map((s) => ({ table: s.table, keyOf: () => s.key }));
  await tables.tracked(
    steps.map((s) => s.table),
    targets,
    async () => {
      const failures = await Promise.all(steps.map((s) => tables.engine.conditionFails(s.op, s.input)));
      if (failures.some(Boolean)) {
        const reasons = await Promise.all(
          steps.map(async (s, i) => {
            if (!failures[i]) return { Code: 'None' };
            const old = s.returnOld ? await tables.image(s.table, s.key) : undefined;
            return {
              Code: 'ConditionalCheckFailed',
              Message: 'The conditional request failed',
              ...(old ? { Item: old } : {}),
            };
          }),
        );
        throw canceled(reasons);
      }
      const before = await Promise.all(writes.map((s) => tables.image(s.table, s.key)));
      for (const [i, s] of writes.entries()) {
        try {
          await tables.engine.call(s.op, s.input);
        } catch (e) {
          await restore(tables, writes.slice(0, i), before);
          if (!(e instanceof TableEngineError)) throw e;
          throw canceled(
            steps.map((x) =>
              x === s
                ? { Code: e.code.replace(/Exception$/, 'Error'), Message: e.message }
                : { Code: 'None' },
            ),
          );
        }
      }
    },
  );
  return {};
}

/** Puts items back as they were before a transaction that failed midway. */
async function restore(tables: EmbeddedTables, done: Step[], before: Array<Item | undefined>): Promise<void> {
  for (const [i, s] of done.entries()) {
    const old = before[i];
    if (old) await tables.engine.call('PutItem', { TableName: s.table, Item: old });
    else await tables.engine.call('DeleteItem', { TableName: s.table, Key: s.key });
  }
}

/** TransactGetItems: every item read while no write to their tables is in progress. */
export async function transactGetItems(
  tables: EmbeddedTables,
  input: Record<string, any>,
): Promise<Record<string, any>> {
  const gets = items(input, 'TransactGetItems').map((item, i) => {
    const g = item.Get as Record<string, any> | undefined;
    if (!g || typeof g !== 'object' || typeof g.TableName !== 'string' || Object.keys(item).length !== 1) {
      throw tableError('ValidationException', `transactItems.${i + 1} must hold one Get with a TableName`);
    }
    return pick(g, ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames']);
  });
  const responses = await tables.locks.run(
    gets.map((g) => String(g.TableName)),
    () => Promise.all(gets.map((g) => tables.engine.call('GetItem', { ...g, ConsistentRead: true }))),
  );
  return { Responses: responses.map((r) => (r.Item ? { Item: r.Item } : {})) };
}
