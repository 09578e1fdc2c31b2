import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { PolicyStatement } from '../control/policy';

/** Function URL settings, as CreateFunctionUrlConfig stores them. */
export interface FunctionUrlRecord {
  authType: 'NONE' | 'AWS_IAM';
  invokeMode: 'BUFFERED' | 'RESPONSE_STREAM';
  cors?: Record<string, unknown>;
  creationTime: string;
  lastModifiedTime: string;
}

/** Everything islet knows about one function ($LATEST). */
export interface FunctionRecord {
  name: string;
  description: string;
  runtime: string;
  role: string;
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /** Hex SHA-256 of the zip; names the stored code. */
  codeSha256Hex: string;
  codeSize: number;
  /** ISO-8601 with Lambda's +0000 offset. */
  lastModified: string;
  revisionId: string;
  ephemeralStorageMb: number;
  architectures: string[];
  reservedConcurrency?: number;
  url?: FunctionUrlRecord;
  eventInvokeConfig?: EventInvokeConfigRecord;
  /** Resource-based policy statements (AddPermission). */
  policy?: PolicyStatement[];
}

/** PutFunctionEventInvokeConfig settings. */
export interface EventInvokeConfigRecord {
  /** 0-2; default 2. */
  maximumRetryAttempts?: number;
  /** 60-21600 seconds; default 21600. */
  maximumEventAgeInSeconds?: number;
  /** Function ARNs to send invocation records to. */
  onSuccess?: string;
  onFailure?: string;
  /** Epoch seconds. */
  lastModified: number;
}

/** Durable registry of functions. Each write is one SQLite transaction. */
export class FunctionStore {
  private readonly getStmt: StatementSync;
  private readonly listStmt: StatementSync;
  private readonly insertStmt: StatementSync;
  private readonly updateStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly codeRefStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.getStmt = db.prepare('SELECT record FROM functions WHERE name = ?');
    this.listStmt = db.prepare('SELECT record FROM functions WHERE name > ? ORDER BY name LIMIT ?');
    this.insertStmt = db.prepare('INSERT INTO functions (name, record, revision_id) VALUES (?, ?, ?)');
    this.updateStmt = db.prepare(
      'UPDATE functions SET record = ?, revision_id = ? WHERE name = ? AND revision_id = ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM functions WHERE name = ?');
    this.codeRefStmt = db.prepare(
      "SELECT DISTINCT json_extract(record, '$.codeSha256Hex') AS sha FROM functions",
    );
  }

  get(name: string): FunctionRecord | undefined {
    const row = this.getStmt.get(name) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as FunctionRecord) : undefined;
  }

  /** Functions sorted by name, after `marker` (exclusive). */
  list(marker: string, limit: number): FunctionRecord[] {
    return (this.listStmt.all(marker, limit) as Array<{ record: string }>).map(
      (r) => JSON.parse(r.record) as FunctionRecord,
    );
  }

  /** Inserts a new function; false if the name is taken. */
  insert(record: FunctionRecord): boolean {
    try {
      this.insertStmt.run(record.name, JSON.stringify(record), record.revisionId);
      return true;
    } catch (e) {
      if (String((e as Error).message).includes('UNIQUE')) return false;
      throw e;
    }
  }

  /** Replaces a function if its revision is still `expectedRevision`; false otherwise. */
  replace(record: FunctionRecord, expectedRevision: string): boolean {
    const r = this.updateStmt.run(JSON.stringify(record), record.revisionId, record.name, expectedRevision);
    return Number(r.changes) === 1;
  }

  delete(name: string): boolean {
    return Number(this.deleteStmt.run(name).changes) === 1;
  }

  /** Code hashes still referenced by some function. */
  referencedCode(): Set<string> {
    return new Set((this.codeRefStmt.all() as Array<{ sha: string }>).map((r) => r.sha));
  }
}
