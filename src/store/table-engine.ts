import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import batchGetItem from 'dynalite/actions/batchGetItem';
import batchWriteItem from 'dynalite/actions/batchWriteItem';
import createTable from 'dynalite/actions/createTable';
import deleteItem from 'dynalite/actions/deleteItem';
import deleteTable from 'dynalite/actions/deleteTable';
import describeTable from 'dynalite/actions/describeTable';
import describeTimeToLive from 'dynalite/actions/describeTimeToLive';
import getItem from 'dynalite/actions/getItem';
import listTables from 'dynalite/actions/listTables';
import listTagsOfResource from 'dynalite/actions/listTagsOfResource';
import putItem from 'dynalite/actions/putItem';
import query from 'dynalite/actions/query';
import scan from 'dynalite/actions/scan';
import tagResource from 'dynalite/actions/tagResource';
import untagResource from 'dynalite/actions/untagResource';
import updateItem from 'dynalite/actions/updateItem';
import updateTable from 'dynalite/actions/updateTable';
import * as dynaliteDb from 'dynalite/db';
import * as validations from 'dynalite/validations';
import vBatchGetItem from 'dynalite/validations/batchGetItem';
import vBatchWriteItem from 'dynalite/validations/batchWriteItem';
import vCreateTable from 'dynalite/validations/createTable';
import vDeleteItem from 'dynalite/validations/deleteItem';
import vDeleteTable from 'dynalite/validations/deleteTable';
import vDescribeTable from 'dynalite/validations/describeTable';
import vDescribeTimeToLive from 'dynalite/validations/describeTimeToLive';
import vGetItem from 'dynalite/validations/getItem';
import vListTables from 'dynalite/validations/listTables';
import vListTagsOfResource from 'dynalite/validations/listTagsOfResource';
import vPutItem from 'dynalite/validations/putItem';
import vQuery from 'dynalite/validations/query';
import vScan from 'dynalite/validations/scan';
import vTagResource from 'dynalite/validations/tagResource';
import vUntagResource from 'dynalite/validations/untagResource';
import vUpdateItem from 'dynalite/validations/updateItem';
import vUpdateTable from 'dynalite/validations/updateTable';

/**
 * islet's own tables: dynalite's DynamoDB engine (LevelDB under `<data>/dynamodb/`) called in
 * process, with no HTTP hop. LevelDB appends each write to its log before the call returns, so an
 * acknowledged write survives kill -9 of islet (not a power cut: the log is not fsynced per write).
 */

type Action = (store: unknown, data: unknown, cb: (err: any, out?: any) => void) => void;
type Validation = { types: unknown; custom?: unknown };

/** The operations the engine itself answers, with dynalite's action and input validation. */
const operations: Record<string, [Action, Validation]> = {
  BatchGetItem: [batchGetItem, vBatchGetItem],
  BatchWriteItem: [batchWriteItem, vBatchWriteItem],
  CreateTable: [createTable, vCreateTable],
  DeleteItem: [deleteItem, vDeleteItem],
  DeleteTable: [deleteTable, vDeleteTable],
  DescribeTable: [describeTable, vDescribeTable],
  DescribeTimeToLive: [describeTimeToLive, vDescribeTimeToLive],
  GetItem: [getItem, vGetItem],
  ListTables: [listTables, vListTables],
  ListTagsOfResource: [listTagsOfResource, vListTagsOfResource],
  PutItem: [putItem, vPutItem],
  Query: [query, vQuery],
  Scan: [scan, vScan],
  TagResource: [tagResource, vTagResource],
  UntagResource: [untagResource, vUntagResource],
  UpdateItem: [updateItem, vUpdateItem],
  UpdateTable: [updateTable, vUpdateTable],
};

/** A refusal in DynamoDB's JSON error shape: `status` and the body (`__type`, `message`, ...). */
export class TableEngineError extends Error {
  constructor(
    readonly status: number,
    readonly body: { __type: string; message?: string; Message?: string; [k: string]: unknown },
  ) {
    super(String(body.message ?? body.Message ?? body.__type));
  }

  /** The error's name without its namespace: `ConditionalCheckFailedException`. */
  get code(): string {
    return this.body.__type.slice(this.body.__type.indexOf('#') + 1);
  }
}

/** Turns dynalite's `{statusCode, body}` errors into TableEngineError; anything else is an internal error. */
function refusal(err: any): Error {
  if (err && typeof err.statusCode === 'number' && err.body && typeof err.body.__type === 'string') {
    return new TableEngineError(err.statusCode, err.body);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The write operations whose condition can be checked without writing (for transactions). */
export type ConditionalWrite = 'PutItem' | 'UpdateItem' | 'DeleteItem';

/** dynalite's DynamoDB engine over a LevelDB directory. */
export class TableEngine {
  private closed = false;

  private constructor(private readonly store: dynaliteDb.DynaliteStore) {}

  /** Opens (creating) the tables under `<dataDir>/dynamodb/`; ARNs carry `account`. */
  static open(dataDir: string, account: { region: string; accountId: string }): TableEngine {
    const path = join(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
    const store = dynaliteDb.create({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    store.tableDb.awsAccountId = account.accountId;
    store.tableDb.awsRegion = account.region;
    return new TableEngine(store);
  }

  /** Whether the engine answers `op`. */
  static offers(op: string): boolean {
    return Object.hasOwn(operations, op);
  }

  /** The operations the engine answers. */
  static operations(): string[] {
    return Object.keys(operations);
  }

  /** Runs one operation on DynamoDB JSON (bytes as base64 text); rejects with TableEngineError. */
  call(op: string, input: Record<string, unknown>): Promise<Record<string, any>> {
    const entry = Object.hasOwn(operations, op) ? operations[op] : undefined;
    if (!entry) {
      return Promise.reject(
        new TableEngineError(400, { __type: 'com.amazon.coral.service#UnknownOperationException' }),
      );
    }
    if (this.closed) return Promise.reject(new Error('the table engine is closed'));
    const [action, validation] = entry;
    let data: Record<string, unknown>;
    try {
      data = this.validated(structuredClone(input), validation);
    } catch (e) {
      return Promise.reject(refusal(e));
    }
    return new Promise((resolve, reject) => {
      try {
        action(this.store, data, (err, out) => (err ? reject(refusal(err)) : resolve(out ?? {})));
      } catch (e) {
        reject(refusal(e));
      }
    });
  }

  /**
   * Whether a write's condition holds on the item as stored now, without writing: undefined when
   * it does, else the ConditionalCheckFailedException. Validation errors reject as `call` does.
   * For a ConditionCheck, pass a DeleteItem input (Key and ConditionExpression).
   */
  async conditionFails(
    op: ConditionalWrite,
    input: Record<string, unknown>,
  ): Promise<TableEngineError | undefined> {
    const validation = operations[op][1];
    const data = this.validated(structuredClone(input), validation);
    const table = await new Promise<unknown>((resolve, reject) =>
      this.store.getTable(String(data.TableName), (err, t) => (err ? reject(refusal(err)) : resolve(t))),
    );
    const key = dynaliteDb.createKey((data.Item ?? data.Key) as Record<string, unknown>, table);
    const existing = await new Promise<unknown>((resolve, reject) =>
      this.store
        .getItemDb(String(data.TableName))
        .get(key, (err, item) =>
          err && err.name !== 'NotFoundError' ? reject(err) : resolve(err ? undefined : item),
        ),
    );
    const failed = dynaliteDb.checkConditional(data, existing);
    return failed ? (refusal(failed) as TableEngineError) : undefined;
  }

  /** Waits for writes in flight and closes LevelDB. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.store.lifecycleManager.gracefulClose(() => resolve()));
  }

  private validated(input: Record<string, unknown>, validation: Validation): Record<string, unknown> {
    const data = validations.checkTypes(input, validation.types);
    validations.checkValidations(data, validation.types, validation.custom, this.store);
    return data;
  }
}
