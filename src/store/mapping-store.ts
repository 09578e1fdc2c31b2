import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** An event source mapping: a stream polled for one function. */
export interface MappingRecord {
  uuid: string;
  functionName: string;
  eventSourceArn: string;
  /** Records per batch: 1-10000, default 100. */
  batchSize: number;
  /** Seconds to gather records before invoking: 0-300. */
  maximumBatchingWindowInSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** Epoch seconds, for AT_TIMESTAMP. */
  startingPositionTimestamp?: number;
  enabled: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1 (until the records expire) to 10000. */
  maximumRetryAttempts: number;
  /** -1 (no limit) or 60-604800 seconds. */
  maximumRecordAgeInSeconds: number;
  reportBatchItemFailures: boolean;
  /** Function ARN that receives a record of each discarded batch. */
  onFailure?: string;
  /** Epoch seconds. */
  lastModified: number;
}

/** Durable mappings and per-shard checkpoints (the last sequence number processed). */
export class MappingStore {
  private readonly getStmt: StatementSync;
  private readonly listStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly deleteCheckpointsStmt: StatementSync;
  private readonly checkpointStmt: StatementSync;
  private readonly checkpointsStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.getStmt = db.prepare('SELECT config FROM event_source_mappings WHERE uuid = ?');
    this.listStmt = db.prepare('SELECT config FROM event_source_mappings ORDER BY uuid');
    this.putStmt = db.prepare(
      `INSERT INTO event_source_mappings (uuid, function_name, config) VALUES (?, ?, ?)
       ON CONFLICT (uuid) DO UPDATE SET function_name = excluded.function_name, config = excluded.config`,
    );
    this.deleteStmt = db.prepare('DELETE FROM event_source_mappings WHERE uuid = ?');
    this.deleteCheckpointsStmt = db.prepare('DELETE FROM stream_checkpoints WHERE mapping_uuid = ?');
    this.checkpointStmt = db.prepare(
      `INSERT INTO stream_checkpoints (mapping_uuid, shard_id, sequence_number) VALUES (?, ?, ?)
       ON CONFLICT (mapping_uuid, shard_id) DO UPDATE SET sequence_number = excluded.sequence_number`,
    );
    this.checkpointsStmt = db.prepare(
      'SELECT shard_id, sequence_number FROM stream_checkpoints WHERE mapping_uuid = ?',
    );
  }

  get(uuid: string): MappingRecord | undefined {
    const row = this.getStmt.get(uuid) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as MappingRecord) : undefined;
  }

  list(): MappingRecord[] {
    return (this.listStmt.all() as Array<{ config: string }>).map(
      (r) => JSON.parse(r.config) as MappingRecord,
    );
  }

  put(m: MappingRecord): void {
    this.putStmt.run(m.uuid, m.functionName, JSON.stringify(m));
  }

  delete(uuid: string): void {
    this.deleteStmt.run(uuid);
    this.deleteCheckpointsStmt.run(uuid);
  }

  /** Records that everything up to `sequenceNumber` in a shard has been processed. */
  checkpoint(uuid: string, shardId: string, sequenceNumber: string): void {
    this.checkpointStmt.run(uuid, shardId, sequenceNumber);
  }

  checkpoints(uuid: string): Map<string, string> {
    const rows = this.checkpointsStmt.all(uuid) as Array<{ shard_id: string; sequence_number: string }>;
    return new Map(rows.map((r) => [r.shard_id, r.sequence_number]));
  }
}
