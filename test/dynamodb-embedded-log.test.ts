import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableStreamArn } from '../src/arns';
import { DynamoDBStreamSource, sequenceNumberOf } from '../src/events/streams/dynamodb-source';
import { EmbeddedTables } from '../src/services/dynamodb-embedded';
import { openDatabase } from '../src/store/db';
import { TableEngine } from '../src/store/table-engine';
import { streamRetentionMs, TableStreamLog } from '../src/store/table-streams';

// The stream log and its source in process: write order under concurrency, retention, iterators.
const account = { region: 'eu-west-1', accountId: '123456789012' };
let dir: string;
let db: ReturnType<typeof openDatabase>;
let engine: TableEngine;
let log: TableStreamLog;
let tables: EmbeddedTables;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'islet-ddb-log-'));
  db = openDatabase(dir);
  engine = TableEngine.open(dir, account);
  log = new TableStreamLog(db);
  tables = new EmbeddedTables(engine, log, account);
});

afterAll(async () => {
  await engine.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const createTable = (name: string, view = 'NEW_AND_OLD_IMAGES') =>
  tables.call('CreateTable', {
    TableName: name,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: view },
  });

describe('the stream log', () => {
  it('50 concurrent updates of one item: each record’s old image is the previous record’s new image', async () => {
    const created = await createTable('counter');
    const arn: string = created.TableDescription.LatestStreamArn;
    expect(arn).toBe(tableStreamArn(account, 'counter', arn.split('/stream/')[1]!));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        tables.call('UpdateItem', {
          TableName: 'counter',
          Key: { id: { S: 'c' } },
          UpdateExpression: 'ADD n :one SET writer = :i',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':i': { N: String(i) } },
        }),
      ),
    );
    const label = arn.split('/stream/')[1]!;
    const changes = log.read('counter', label, 0, 1000);
    expect(changes).toHaveLength(50);
    expect(changes[0]!.eventName).toBe('INSERT');
    changes.forEach((c, i) => {
      expect((c.newImage as any).n).toEqual({ N: String(i + 1) });
      if (i > 0) {
        expect(c.eventName).toBe('MODIFY');
        expect(c.oldImage).toEqual(changes[i - 1]!.newImage);
      }
    });
    const stored = await tables.call('GetItem', { TableName: 'counter', Key: { id: { S: 'c' } } });
    expect(stored.Item).toEqual(changes[49]!.newImage);
  });

  it('the source reads from TRIM_HORIZON, LATEST and after a sequence number; the shard closes once the stream is off and read', async () => {
    const created = await createTable('paged', 'NEW_IMAGE');
    const arn: string = created.TableDescription.LatestStreamArn;
    for (const id of ['a', 'b', 'c'])
      await tables.call('PutItem', { TableName: 'paged', Item: { id: { S: id } } });
    const source = new DynamoDBStreamSource(arn, log);
    const [shard] = await source.listShards();
    expect(shard).toMatch(/^shardId-\d{17}-00000001$/);
    const first = await source.read(shard!, await source.iterator(shard!, { type: 'TRIM_HORIZON' }), 2);
    expect(first.records.map((r) => (r.eventRecord as any).dynamodb.Keys.id.S)).toEqual(['a', 'b']);
    expect((first.records[0]!.eventRecord as any).eventSourceARN).toBe(arn);
    expect((first.records[0]!.eventRecord as any).awsRegion).toBe('eu-west-1');
    const rest = await source.read(shard!, first.next!, 10);
    expect(rest.records.map((r) => (r.eventRecord as any).dynamodb.Keys.id.S)).toEqual(['c']);
    const after = await source.iterator(shard!, {
      type: 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: first.records[0]!.sequenceNumber,
    });
    expect((await source.read(shard!, after, 10)).records).toHaveLength(2);
    const latest = await source.iterator(shard!, { type: 'LATEST' });
    expect((await source.read(shard!, latest, 10)).records).toHaveLength(0);
    await expect(
      source.iterator(shard!, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: 'garbage' }),
    ).rejects.toThrow('not a sequence number');

    await tables.call('UpdateTable', { TableName: 'paged', StreamSpecification: { StreamEnabled: false } });
    // Writes after the stream is off leave no record; the open reader drains, then the shard is closed.
    await tables.call('PutItem', { TableName: 'paged', Item: { id: { S: 'd' } } });
    const drained = await source.read(shard!, rest.next!, 10);
    expect(drained.records).toHaveLength(0);
    expect(drained.next).toBeUndefined();
  });

  it('sequence numbers are 21 digits, ordered as text', () => {
    expect(sequenceNumberOf(1)).toBe('100000000000000000001');
    expect(sequenceNumberOf(10) > sequenceNumberOf(9)).toBe(true);
  });

  it('keeps records 24 hours', () => {
    const stream = log.enable('aged', 'KEYS_ONLY', 1_000);
    log.append(
      'aged',
      stream.label,
      [{ eventName: 'INSERT', keys: { id: { S: 'old' } }, viewType: 'KEYS_ONLY' }],
      1_000,
    );
    log.append(
      'aged',
      stream.label,
      [{ eventName: 'INSERT', keys: { id: { S: 'new' } }, viewType: 'KEYS_ONLY' }],
      1_000 + streamRetentionMs,
    );
    log.trim(1_000 + streamRetentionMs + 1);
    expect(log.read('aged', stream.label, 0, 10).map((c) => (c.keys as any).id.S)).toEqual(['new']);
  });

  it('a write islet stopped in the middle of: readers wait at its place; recovery finishes it from the item as stored', async () => {
    const created = await createTable('crashy');
    const label: string = created.TableDescription.LatestStreamLabel;
    await tables.call('PutItem', { TableName: 'crashy', Item: { id: { S: 'x' }, v: { N: '1' } } });
    // As if islet died after taking the places and applying only the first write.
    const [applied, neverApplied] = log.begin([
      {
        table: 'crashy',
        label,
        keys: { id: { S: 'x' } },
        before: { id: { S: 'x' }, v: { N: '1' } },
        viewType: 'NEW_AND_OLD_IMAGES',
      },
      { table: 'crashy', label, keys: { id: { S: 'y' } }, viewType: 'NEW_AND_OLD_IMAGES' },
    ]);
    await engine.call('PutItem', { TableName: 'crashy', Item: { id: { S: 'x' }, v: { N: '2' } } });
    expect(log.read('crashy', label, 0, 10).map((c) => c.eventName)).toEqual(['INSERT']);
    expect(log.pending().map((p) => p.seq)).toEqual([applied!.seq, neverApplied!.seq]);

    const restarted = new EmbeddedTables(engine, new TableStreamLog(db), account);
    expect(await restarted.recover()).toBe(2);
    const changes = log.read('crashy', label, 0, 10);
    expect(changes.map((c) => c.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(changes[1]).toMatchObject({
      seq: applied!.seq,
      oldImage: { id: { S: 'x' }, v: { N: '1' } },
      newImage: { id: { S: 'x' }, v: { N: '2' } },
    });
    expect(log.pending()).toEqual([]);
  });
});
