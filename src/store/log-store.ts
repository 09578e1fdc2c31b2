import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** The log of one invocation as stored: one row, split into events when read. */
export interface LogRecord {
  id: number;
  functionName: string;
  stream: string;
  firstMs: number;
  lastMs: number;
  requestId?: string;
  text: string;
}

/** A log group (one per function that has logged), CloudWatch Logs' view. */
export interface LogGroupInfo {
  functionName: string;
  createdMs: number;
  retentionDays?: number;
  storedBytes: number;
}

/** A log stream (one per execution environment). */
export interface LogStreamInfo {
  stream: string;
  firstMs: number;
  lastMs: number;
  storedBytes: number;
}

/** Invocation logs in the telemetry database. */
export class LogStore {
  private readonly insert: StatementSync;
  private readonly ensureGroup: StatementSync;
  /** Groups known to exist, so a busy function's records skip the group insert. */
  private readonly knownGroups = new Set<string>();

  constructor(private readonly db: DatabaseSync) {
    this.insert = db.prepare(
      'INSERT INTO log_records (function_name, stream, first_ms, last_ms, request_id, bytes, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.ensureGroup = db.prepare(
      'INSERT OR IGNORE INTO log_groups (function_name, created_ms) VALUES (?, ?)',
    );
  }

  /** Appends records (one transaction). */
  add(records: Array<Omit<LogRecord, 'id'>>): void {
    if (records.length === 0) return;
    this.db.exec('BEGIN');
    try {
      for (const r of records) {
        if (!this.knownGroups.has(r.functionName)) this.ensureGroup.run(r.functionName, r.firstMs);
        this.insert.run(
          r.functionName,
          r.stream,
          r.firstMs,
          r.lastMs,
          r.requestId ?? null,
          Buffer.byteLength(r.text),
          r.text,
        );
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    for (const r of records) this.knownGroups.add(r.functionName);
  }

  /** Log groups whose function name starts with `prefix`, after `afterName`, at most `limit`. */
  groups(prefix: string, afterName: string, limit: number): LogGroupInfo[] {
    const rows = this.db
      .prepare(
        `SELECT g.function_name, g.created_ms, g.retention_days,
                (SELECT coalesce(sum(bytes), 0) FROM log_records r WHERE r.function_name = g.function_name) AS bytes
         FROM log_groups g WHERE g.function_name > ? AND substr(g.function_name, 1, ?) = ?
         ORDER BY g.function_name LIMIT ?`,
      )
      .all(afterName, prefix.length, prefix, limit) as Array<{
      function_name: string;
      created_ms: number;
      retention_days: number | null;
      bytes: number;
    }>;
    return rows.map((r) => ({
      functionName: r.function_name,
      createdMs: r.created_ms,
      retentionDays: r.retention_days ?? undefined,
      storedBytes: r.bytes,
    }));
  }

  /** Whether the function has a log group. */
  hasGroup(functionName: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM log_groups WHERE function_name = ?').get(functionName) !== undefined
    );
  }

  /** Every stream of a function with its time span. */
  streams(functionName: string): LogStreamInfo[] {
    const rows = this.db
      .prepare(
        `SELECT stream, min(first_ms) AS first_ms, max(last_ms) AS last_ms, sum(bytes) AS bytes
         FROM log_records WHERE function_name = ? GROUP BY stream`,
      )
      .all(functionName) as Array<{ stream: string; first_ms: number; last_ms: number; bytes: number }>;
    return rows.map((r) => ({
      stream: r.stream,
      firstMs: r.first_ms,
      lastMs: r.last_ms,
      storedBytes: r.bytes,
    }));
  }

  /**
   * Records of a function overlapping [fromMs, toMs), in time order, after record `afterId` when
   * given (ids grow with time of writing), optionally only from some streams; at most `limit`.
   */
  records(
    functionName: string,
    q: {
      fromMs: number;
      toMs: number;
      streams?: string[];
      afterId?: number;
      limit: number;
      descending?: boolean;
    },
  ): LogRecord[] {
    const where = ['function_name = ?', 'last_ms >= ?', 'first_ms < ?'];
    const args: Array<string | number> = [functionName, q.fromMs, q.toMs];
    if (q.streams?.length) {
      where.push(`stream IN (${q.streams.map(() => '?').join(',')})`);
      args.push(...q.streams);
    }
    if (q.afterId !== undefined) {
      where.push(q.descending ? 'id < ?' : 'id > ?');
      args.push(q.afterId);
    }
    const order = q.descending ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(
        `SELECT id, function_name, stream, first_ms, last_ms, request_id, text FROM log_records
         WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ?`,
      )
      .all(...args, q.limit) as Array<{
      id: number;
      function_name: string;
      stream: string;
      first_ms: number;
      last_ms: number;
      request_id: string | null;
      text: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      functionName: r.function_name,
      stream: r.stream,
      firstMs: r.first_ms,
      lastMs: r.last_ms,
      requestId: r.request_id ?? undefined,
      text: r.text,
    }));
  }

  /** Sets (or with undefined, clears) a group's retention in days; false when there is no group. */
  setRetention(functionName: string, days: number | undefined): boolean {
    return (
      Number(
        this.db
          .prepare('UPDATE log_groups SET retention_days = ? WHERE function_name = ?')
          .run(days ?? null, functionName).changes,
      ) > 0
    );
  }

  /** Deletes a group and its records; false when there was none. */
  deleteGroup(functionName: string): boolean {
    this.knownGroups.delete(functionName);
    this.db.exec('BEGIN');
    try {
      this.db.prepare('DELETE FROM log_records WHERE function_name = ?').run(functionName);
      const n = Number(
        this.db.prepare('DELETE FROM log_groups WHERE function_name = ?').run(functionName).changes,
      );
      this.db.exec('COMMIT');
      return n > 0;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * Applies retention (each group's own days, else `defaultDays`) and the per-function size cap
   * (oldest records go first); returns records removed.
   */
  prune(nowMs: number, defaultDays: number, maxBytesPerFunction: number): number {
    let removed = 0;
    const groups = this.db.prepare('SELECT function_name, retention_days FROM log_groups').all() as Array<{
      function_name: string;
      retention_days: number | null;
    }>;
    for (const g of groups) {
      const days = g.retention_days ?? defaultDays;
      removed += Number(
        this.db
          .prepare('DELETE FROM log_records WHERE function_name = ? AND last_ms < ?')
          .run(g.function_name, nowMs - days * 86_400_000).changes,
      );
      const { total } = this.db
        .prepare('SELECT coalesce(sum(bytes), 0) AS total FROM log_records WHERE function_name = ?')
        .get(g.function_name) as { total: number };
      if (total > maxBytesPerFunction) {
        // Keep the newest records that fit under the cap.
        const cut = this.db
          .prepare(
            `SELECT id FROM (SELECT id, sum(bytes) OVER (ORDER BY id DESC) AS newer FROM log_records
             WHERE function_name = ?) WHERE newer > ? ORDER BY id DESC LIMIT 1`,
          )
          .get(g.function_name, maxBytesPerFunction) as { id: number } | undefined;
        if (cut) {
          removed += Number(
            this.db
              .prepare('DELETE FROM log_records WHERE function_name = ? AND id <= ?')
              .run(g.function_name, cut.id).changes,
          );
        }
      }
    }
    return removed;
  }
}
