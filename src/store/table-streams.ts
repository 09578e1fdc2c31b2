import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** What a stream record carries besides its images (DynamoDB's StreamViewType). */
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

/** One table's stream: a new label each time the stream is enabled. */
export interface TableStream {
  table: string;
  /** Its ARN's last part: the creation time, `2026-11-26T20:50:00.123`. */
  label: string;
  viewType: StreamViewType;
  enabled: boolean;
  /** Epoch ms. */
  createdAt: number;
}

/** One change of one item, as stored (images already cut down to the view type). */
export interface ChangeRecord {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  viewType: StreamViewType;
}

/** A write about to be applied to an item of a table with a stream: its key and image before. */
export interface PendingChange {
  /** Its place in the log, taken before the write so that records keep the order of writes. */
  seq: number;
  table: string;
  label: string;
  keys: Record<string, unknown>;
  before?: Record<string, unknown>;
  viewType: StreamViewType;
}

/** A stored change with its place in the log. */
export interface LoggedChange extends ChangeRecord {
  /** Increasing over every table's records. */
  seq: number;
  /** Epoch ms. */
  createdAt: number;
}

/** How long records are kept, in ms: 24 hours, as DynamoDB Streams keep them. */
export const streamRetentionMs = 24 * 60 * 60 * 1000;

const label = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '');

/**
 * The streams of islet's own tables and their change records, durable in SQLite. Records are
 * appended in the order the writes were applied (the caller serialises writes per table) and
 * read back by sequence number; records older than 24 hours are trimmed.
 */
export class TableStreamLog {
  private readonly streamsOf: StatementSync;
  private readonly oneStream: StatementSync;
  private readonly insertStream: StatementSync;
  private readonly disableStmt: StatementSync;
  private readonly insertRecord: StatementSync;
  private readonly readStmt: StatementSync;
  private readonly lastStmt: StatementSync;
  private readonly atTimeStmt: StatementSync;
  private readonly trimStmt: StatementSync;
  private readonly listStmt: StatementSync;
  private readonly pendingStmt: StatementSync;
  private readonly finishStmt: StatementSync;
  private readonly dropStmt: StatementSync;
  private readonly firstStmt: StatementSync;
  private lastTrim = 0;

  constructor(private readonly db: DatabaseSync) {
    this.streamsOf = db.prepare(
      'SELECT * FROM table_streams WHERE table_name = ? ORDER BY created_at DESC, label DESC',
    );
    this.oneStream = db.prepare('SELECT * FROM table_streams WHERE table_name = ? AND label = ?');
    this.insertStream = db.prepare(
      'INSERT INTO table_streams (table_name, label, view_type, enabled, created_at) VALUES (?, ?, ?, 1, ?)',
    );
    this.disableStmt = db.prepare(
      'UPDATE table_streams SET enabled = 0 WHERE table_name = ? AND enabled = 1',
    );
    this.insertRecord = db.prepare(
      'INSERT INTO table_stream_records (table_name, label, created_at, record) VALUES (?, ?, ?, ?)',
    );
    this.readStmt = db.prepare(
      `SELECT seq, created_at, record FROM table_stream_records
       WHERE table_name = ? AND label = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.lastStmt = db.prepare(
      'SELECT MAX(seq) AS seq FROM table_stream_records WHERE table_name = ? AND label = ?',
    );
    this.atTimeStmt = db.prepare(
      `SELECT MIN(seq) AS seq FROM table_stream_records
       WHERE table_name = ? AND label = ? AND created_at >= ?`,
    );
    this.trimStmt = db.prepare('DELETE FROM table_stream_records WHERE created_at < ?');
    this.listStmt = db.prepare('SELECT * FROM table_streams ORDER BY table_name, created_at, label');
    this.pendingStmt = db.prepare(
      `SELECT seq, table_name, label, record FROM table_stream_records
       WHERE record LIKE '{"pending":true,%' ORDER BY seq`,
    );
    this.finishStmt = db.prepare('UPDATE table_stream_records SET record = ? WHERE seq = ?');
    this.dropStmt = db.prepare('DELETE FROM table_stream_records WHERE seq = ?');
    this.firstStmt = db.prepare(
      'SELECT MIN(seq) AS seq FROM table_stream_records WHERE table_name = ? AND label = ?',
    );
    this.trim();
  }

  /** The table's enabled stream, if any. */
  enabled(table: string): TableStream | undefined {
    return this.all(table).find((s) => s.enabled);
  }

  /** The table's most recent stream, enabled or not (DescribeTable's LatestStreamArn). */
  latest(table: string): TableStream | undefined {
    return this.all(table)[0];
  }

  /** Every stream (of `table`, when given), by table name then age. */
  list(table?: string): TableStream[] {
    const all = (this.listStmt.all() as unknown as StreamRow[]).map(fromRow);
    return table === undefined ? all : all.filter((s) => s.table === table);
  }

  /** The first sequence number a stream still holds (undefined when it holds none). */
  firstSeq(table: string, streamLabel: string): number | undefined {
    const seq = (this.firstStmt.get(table, streamLabel) as { seq: number | null }).seq;
    return seq === null ? undefined : Number(seq);
  }

  /** A stream by table and label. */
  get(table: string, streamLabel: string): TableStream | undefined {
    const row = this.oneStream.get(table, streamLabel) as StreamRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Starts a new stream on a table (the previous one, if any, is disabled). */
  enable(table: string, viewType: StreamViewType, now = Date.now()): TableStream {
    // Two streams of one table created in the same millisecond would share a label.
    const latest = this.latest(table);
    const at = latest && latest.createdAt >= now ? latest.createdAt + 1 : now;
    this.transaction(() => {
      this.disableStmt.run(table);
      this.insertStream.run(table, label(at), viewType, at);
    });
    return { table, label: label(at), viewType, enabled: true, createdAt: at };
  }

  /** Stops the table's stream; its records stay readable until they expire. */
  disable(table: string): void {
    this.disableStmt.run(table);
  }

  /** Appends the changes of one write, in order, to the stream `streamLabel` of `table`. */
  append(table: string, streamLabel: string, changes: ChangeRecord[], now = Date.now()): void {
    if (changes.length === 0) return;
    this.transaction(() => {
      for (const c of changes) this.insertRecord.run(table, streamLabel, now, JSON.stringify(c));
    });
    if (now - this.lastTrim > 60_000) this.trim(now);
  }

  /**
   * Takes places in the log for writes about to be applied (durably, before the write), with the
   * images before them. `finish` turns them into records once the writes are done; after a crash
   * in between, `pending` lists them so they can be finished from the items as stored.
   */
  begin(entries: Array<Omit<PendingChange, 'seq'>>, now = Date.now()): PendingChange[] {
    if (entries.length === 0) return [];
    const out: PendingChange[] = [];
    this.transaction(() => {
      for (const e of entries) {
        const pending = { pending: true, keys: e.keys, before: e.before, viewType: e.viewType };
        const r = this.insertRecord.run(e.table, e.label, now, JSON.stringify(pending));
        out.push({ ...e, seq: Number(r.lastInsertRowid) });
      }
    });
    return out;
  }

  /** Turns pending places into records (or drops them: the write changed nothing). */
  finish(done: Array<{ seq: number; change: ChangeRecord | undefined }>, now = Date.now()): void {
    if (done.length === 0) return;
    this.transaction(() => {
      for (const d of done) {
        if (d.change) this.finishStmt.run(JSON.stringify(d.change), d.seq);
        else this.dropStmt.run(d.seq);
      }
    });
    if (now - this.lastTrim > 60_000) this.trim(now);
  }

  /** Places taken for writes whose outcome was never recorded (islet stopped in between). */
  pending(): PendingChange[] {
    const rows = this.pendingStmt.all() as Array<{
      seq: number;
      table_name: string;
      label: string;
      record: string;
    }>;
    return rows.map((r) => {
      const p = JSON.parse(r.record) as Omit<PendingChange, 'seq' | 'table' | 'label'>;
      return {
        seq: r.seq,
        table: r.table_name,
        label: r.label,
        keys: p.keys,
        before: p.before,
        viewType: p.viewType,
      };
    });
  }

  /** Up to `limit` records after sequence `afterSeq`, stopping before a write still in progress. */
  read(table: string, streamLabel: string, afterSeq: number, limit: number): LoggedChange[] {
    const rows = this.readStmt.all(table, streamLabel, afterSeq, limit) as Array<{
      seq: number;
      created_at: number;
      record: string;
    }>;
    const out: LoggedChange[] = [];
    for (const r of rows) {
      const record = JSON.parse(r.record) as ChangeRecord & { pending?: true };
      if (record.pending) break; // later records wait until this one is known, to keep write order
      out.push({ ...record, seq: r.seq, createdAt: r.created_at });
    }
    return out;
  }

  /** The last sequence number of a stream (0 when it has none). */
  lastSeq(table: string, streamLabel: string): number {
    return Number((this.lastStmt.get(table, streamLabel) as { seq: number | null }).seq ?? 0);
  }

  /** The sequence number just before the first record written at or after `ms`. */
  seqBefore(table: string, streamLabel: string, ms: number): number {
    const first = (this.atTimeStmt.get(table, streamLabel, ms) as { seq: number | null }).seq;
    return first === null ? this.lastSeq(table, streamLabel) : Number(first) - 1;
  }

  /** Drops records older than 24 hours (a stream's own row stays: it is tiny and names its ARN). */
  trim(now = Date.now()): void {
    this.lastTrim = now;
    this.trimStmt.run(now - streamRetentionMs);
  }

  private all(table: string): TableStream[] {
    return (this.streamsOf.all(table) as unknown as StreamRow[]).map(fromRow);
  }

  private transaction(fn: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      fn();
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }
}

interface StreamRow {
  table_name: string;
  label: string;
  view_type: string;
  enabled: number;
  created_at: number;
}

function fromRow(r: StreamRow): TableStream {
  return {
    table: r.table_name,
    label: r.label,
    viewType: r.view_type as StreamViewType,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
  };
}

/** Sequence numbers are the log's position plus 10^20: 21 digits, ordered as text and as numbers. */
const sequenceBase = 10n ** 20n;

/** The sequence number of the record at log position `seq`. */
export function sequenceNumberOf(seq: number): string {
  return (sequenceBase + BigInt(seq)).toString();
}

/** The log position of a sequence number; throws when it is none of this log's. */
export function logPositionOf(sequenceNumber: string): number {
  if (!/^\d{21}$/.test(sequenceNumber)) {
    throw new Error(`not a sequence number of this stream: ${sequenceNumber.slice(0, 40)}`);
  }
  return Number(BigInt(sequenceNumber) - sequenceBase);
}

/** The one shard of a stream, named after its label. */
export function shardIdOf(streamLabel: string): string {
  return `shardId-${streamLabel.replace(/\D/g, '').padEnd(17, '0')}-00000001`;
}
