import { tableStreamArn } from '../arns';
import { TableEngine, TableEngineError } from '../store/table-engine';
import type {
  ChangeRecord,
  PendingChange,
  StreamViewType,
  TableStream,
  TableStreamLog,
} from '../store/table-streams';
import { transactGetItems, transactWriteItems } from './dynamodb-transactions';
import { TableLocks } from './table-locks';

/**
 * islet's own DynamoDB: the table engine plus what islet adds in its layer — table streams
 * (StreamSpecification, LatestStreamArn, a change record for every write, in the order writes
 * are applied) and TransactWriteItems / TransactGetItems. Writes are serialised per table, so the
 * image read before a write and the one read after it are exactly what that write changed.
 * Speaks DynamoDB JSON (bytes as base64 text), for the API route and for functions alike.
 */

/** An item key or item: attribute name -> DynamoDB attribute value. */
export type Item = Record<string, any>;

const dynamoType = (code: string) =>
  code === 'ValidationException'
    ? 'com.amazon.coral.validate#ValidationException'
    : `com.amazonaws.dynamodb.v20120810#${code}`;

/** A refusal in DynamoDB's shape. */
export function tableError(
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): TableEngineError {
  return new TableEngineError(400, { __type: dynamoType(code), message, ...extra });
}

const viewTypes: readonly StreamViewType[] = ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'];

/** A StreamSpecification member, validated: undefined when absent. */
function streamSpecification(v: unknown): { enabled: boolean; viewType?: StreamViewType } | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw tableError('SerializationException', 'StreamSpecification must be a structure');
  }
  const { StreamEnabled: enabled, StreamViewType: view } = v as Record<string, unknown>;
  if (typeof enabled !== 'boolean') {
    throw tableError(
      'ValidationException',
      "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null",
    );
  }
  if (view !== undefined && !viewTypes.includes(view as StreamViewType)) {
    throw tableError(
      'ValidationException',
      `1 validation error detected: Value '${String(view).slice(0, 64)}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [${viewTypes.join(', ')}]`,
    );
  }
  if (enabled && view === undefined) {
    throw tableError(
      'ValidationException',
      'One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true',
    );
  }
  return { enabled, viewType: view as StreamViewType | undefined };
}

/** JSON with object keys sorted, to compare two images. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** One item a write may change: its table and a way to find its key once the key names are known. */
export interface WriteTarget {
  table: string;
  keyOf(keyNames: string[]): Item | undefined;
}

/** The key attributes of an item (undefined when one is missing: the engine refuses it anyway). */
export function keyFrom(item: unknown, names: string[]): Item | undefined {
  if (!item || typeof item !== 'object' || names.length === 0) return undefined;
  const key: Item = {};
  for (const n of names) {
    const v = (item as Item)[n];
    if (v === undefined) return undefined;
    key[n] = v;
  }
  return key;
}

/** islet's DynamoDB over its table engine and stream log. */
export class EmbeddedTables {
  readonly locks = new TableLocks();
  private readonly keyNamesOf = new Map<string, string[]>();

  constructor(
    readonly engine: TableEngine,
    private readonly log: TableStreamLog,
    private readonly account: { region: string; accountId: string },
  ) {}

  /** Every operation answered. */
  static operations(): string[] {
    return [...TableEngine.operations(), 'TransactWriteItems', 'TransactGetItems'].sort();
  }

  /** Runs one operation; rejects with TableEngineError (DynamoDB's error shape). */
  async call(op: string, input: Record<string, any>): Promise<Record<string, any>> {
    switch (op) {
      case 'CreateTable':
        return this.createTable(input);
      case 'UpdateTable':
        return this.updateTable(input);
      case 'DescribeTable': {
        const out = await this.engine.call(op, input);
        this.decorate(out.Table);
        return out;
      }
      case 'DeleteTable': {
        const out = await this.engine.call(op, input);
        await this.settled(String(input.TableName), 'gone');
        this.decorate(out.TableDescription);
        this.log.disable(String(input.TableName));
        this.keyNamesOf.delete(String(input.TableName));
        return out;
      }
      case 'PutItem':
        return this.write(op, input, [
          { table: input.TableName, keyOf: (names) => keyFrom(input.Item, names) },
        ]);
      case 'UpdateItem':
      case 'DeleteItem':
        return this.write(op, input, [{ table: input.TableName, keyOf: () => input.Key }]);
      case 'BatchWriteItem':
        return this.write(op, input, batchTargets(input.RequestItems));
      case 'TransactWriteItems':
        return transactWriteItems(this, input);
      case 'TransactGetItems':
        return transactGetItems(this, input);
      default:
        return this.engine.call(op, input);
    }
  }

  /** The names of a table's key attributes (hash, then range). */
  async keyNames(table: string): Promise<string[]> {
    let names = this.keyNamesOf.get(table);
    if (!names) {
      const out = await this.engine.call('DescribeTable', { TableName: table });
      names = (out.Table.KeySchema as Array<{ AttributeName: string }>).map((k) => k.AttributeName);
      this.keyNamesOf.set(table, names);
    }
    return names;
  }

  /** The item stored under `key`, read consistently. */
  async image(table: string, key: Item): Promise<Item | undefined> {
    const out = await this.engine.call('GetItem', { TableName: table, Key: key, ConsistentRead: true });
    return out.Item;
  }

  /**
   * Runs `apply` holding the locks of every table it writes and logs a change record for each
   * target on a table with an enabled stream: the image before `apply`, the image after. The
   * record's place (with the image before) is stored before the write, so a crash in between
   * loses no record: `recover` finishes it from the item as stored.
   */
  async tracked<T>(tables: string[], targets: WriteTarget[], apply: () => Promise<T>): Promise<T> {
    return this.locks.run(tables, async () => {
      const watched: Array<{ table: string; key: Item; stream: TableStream }> = [];
      for (const t of targets) {
        const stream = this.log.enabled(t.table);
        if (!stream) continue;
        const key = t.keyOf(await this.keyNames(t.table).catch(() => []));
        if (key && !watched.some((w) => w.table === t.table && canonical(w.key) === canonical(key))) {
          watched.push({ table: t.table, key, stream });
        }
      }
      const before = await Promise.all(watched.map((w) => this.image(w.table, w.key)));
      const pending = this.log.begin(
        watched.map((w, i) => ({
          table: w.table,
          label: w.stream.label,
          keys: w.key,
          before: before[i],
          viewType: w.stream.viewType,
        })),
      );
      try {
        return await apply();
      } finally {
        // If the items cannot be read now, the places stay pending until `recover` at the next start.
        await this.finish(pending).catch(() => undefined);
      }
    });
  }

  /** Finishes the records of writes islet stopped in the middle of (call before serving). */
  async recover(): Promise<number> {
    const pending = this.log.pending();
    await this.finish(pending, true);
    return pending.length;
  }

  /** Turns pending places into records, from the items as stored now. */
  private async finish(pending: PendingChange[], tableMayBeGone = false): Promise<void> {
    const after = await Promise.all(
      pending.map((p) =>
        this.image(p.table, p.keys).then(
          (item) => ({ item, known: true }),
          (e) => {
            if (tableMayBeGone && e instanceof TableEngineError && e.code === 'ResourceNotFoundException') {
              return { item: undefined, known: false };
            }
            throw e;
          },
        ),
      ),
    );
    this.log.finish(
      pending.map((p, i) => ({
        seq: p.seq,
        change: after[i]!.known ? changeOf(p.viewType, p.keys, p.before, after[i]!.item) : undefined,
      })),
    );
  }

  private write(
    op: string,
    input: Record<string, any>,
    targets: WriteTarget[],
  ): Promise<Record<string, any>> {
    const tables = [...new Set(targets.map((t) => t.table).filter((t) => typeof t === 'string'))];
    return this.tracked(tables, targets, () => this.engine.call(op, input));
  }

  private async createTable(input: Record<string, any>): Promise<Record<string, any>> {
    const spec = streamSpecification(input.StreamSpecification);
    const { StreamSpecification: _, ...rest } = input;
    // The engine keeps the description it returns and stores it again once the table is ACTIVE.
    const out = structuredClone(await this.engine.call('CreateTable', rest));
    const name = String(out.TableDescription.TableName);
    this.keyNamesOf.delete(name);
    if (spec?.enabled && spec.viewType) this.log.enable(name, spec.viewType);
    out.TableDescription.TableStatus = await this.settled(name, 'ACTIVE');
    this.decorate(out.TableDescription);
    return out;
  }

  /** UpdateTable; a StreamSpecification alone is handled here (the engine knows no streams). */
  private async updateTable(input: Record<string, any>): Promise<Record<string, any>> {
    const spec = streamSpecification(input.StreamSpecification);
    const { StreamSpecification: _, ...rest } = input;
    const name = String(input.TableName);
    if (spec) {
      await this.engine.call('DescribeTable', { TableName: input.TableName }); // the table must exist
      const current = this.log.enabled(name);
      if (spec.enabled && current) {
        throw tableError(
          'ValidationException',
          `Table already has an enabled stream: ${tableStreamArn(this.account, name, current.label)}`,
        );
      }
      if (!spec.enabled && !current)
        throw tableError('ValidationException', 'Table does not have a stream to disable');
    }
    const others = Object.keys(rest).some((k) => k !== 'TableName');
    const out = others
      ? await this.engine.call('UpdateTable', rest)
      : { TableDescription: (await this.engine.call('DescribeTable', { TableName: name })).Table };
    if (others) out.TableDescription.TableStatus = await this.settled(name, 'ACTIVE');
    if (spec) {
      await this.locks.run([name], async () => {
        if (spec.enabled && spec.viewType) this.log.enable(name, spec.viewType);
        else this.log.disable(name);
      });
    }
    this.decorate(out.TableDescription);
    return out;
  }

  /**
   * Waits (up to a second) until the engine has finished creating, updating or deleting a table:
   * with no provisioning to wait for, a table is usable as soon as CreateTable answers, as in
   * DynamoDB Local. Returns the status it reached.
   */
  private async settled(table: string, want: 'ACTIVE' | 'gone'): Promise<string> {
    const deadline = Date.now() + 1000;
    for (;;) {
      let status = 'gone';
      try {
        status = (await this.engine.call('DescribeTable', { TableName: table })).Table.TableStatus;
      } catch (e) {
        if (!(e instanceof TableEngineError) || e.code !== 'ResourceNotFoundException') throw e;
      }
      if (status === want || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Adds the table's stream to a table description, as DynamoDB describes it. */
  private decorate(table: Item | undefined): void {
    if (!table || typeof table.TableName !== 'string') return;
    delete table.StreamSpecification;
    delete table.LatestStreamLabel;
    delete table.LatestStreamArn;
    const latest = this.log.latest(table.TableName);
    // A stream of an earlier table of the same name is not this table's.
    const created = typeof table.CreationDateTime === 'number' ? table.CreationDateTime * 1000 : 0;
    if (!latest || latest.createdAt < created - 1000) return;
    if (latest.enabled) {
      table.StreamSpecification = { StreamEnabled: true, StreamViewType: latest.viewType };
    }
    table.LatestStreamLabel = latest.label;
    table.LatestStreamArn = tableStreamArn(this.account, table.TableName, latest.label);
  }
}

/** The items a BatchWriteItem touches. */
function batchTargets(requestItems: unknown): WriteTarget[] {
  if (!requestItems || typeof requestItems !== 'object') return [];
  const targets: WriteTarget[] = [];
  for (const [table, requests] of Object.entries(requestItems as Record<string, unknown>)) {
    if (!Array.isArray(requests)) continue;
    for (const r of requests as Array<Record<string, any> | null>) {
      if (r?.PutRequest) targets.push({ table, keyOf: (names) => keyFrom(r.PutRequest.Item, names) });
      else if (r?.DeleteRequest) targets.push({ table, keyOf: () => r.DeleteRequest.Key });
    }
  }
  return targets;
}

/** The change record of one item, or undefined when the write changed nothing. */
function changeOf(
  viewType: StreamViewType,
  keys: Item,
  before: Item | undefined,
  after: Item | undefined,
): ChangeRecord | undefined {
  if (!before && !after) return undefined;
  if (before && after && canonical(before) === canonical(after)) return undefined;
  const eventName = !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY';
  const withNew = after && (viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES');
  const withOld = before && (viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES');
  return {
    eventName,
    keys,
    viewType,
    ...(withNew ? { newImage: after } : {}),
    ...(withOld ? { oldImage: before } : {}),
  };
}

/**
 * A function's call input as DynamoDB JSON: bytes (Buffer / Uint8Array, as they cross from the
 * sandbox) become base64 text.
 */
export function toTableJson(input: Record<string, unknown>): Record<string, any> {
  return JSON.parse(
    JSON.stringify(input, function (this: Record<string, unknown>, key) {
      const v = this[key];
      return v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    }),
  );
}

/** An output for a function: B and BS attribute values become bytes again, as the SDK returns them. */
export function fromTableJson(v: any): any {
  if (Array.isArray(v)) return v.map(fromTableJson);
  if (!v || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === 'B' && typeof v.B === 'string')
    return { B: Buffer.from(v.B, 'base64') };
  if (
    keys.length === 1 &&
    keys[0] === 'BS' &&
    Array.isArray(v.BS) &&
    v.BS.every((b: unknown) => typeof b === 'string')
  ) {
    return { BS: v.BS.map((b: string) => Buffer.from(b, 'base64')) };
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = fromTableJson(v[k]);
  return out;
}
