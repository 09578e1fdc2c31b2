import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One accepted asynchronous invocation, as stored. */
export interface StoredEvent {
  /** The event id; also the request id the function sees on every attempt. */
  id: string;
  functionName: string;
  payload: string;
  /** Epoch ms when the event was accepted. */
  enqueuedAt: number;
  /** Attempts that reached the function. */
  invokeCount: number;
  /** Retries used after function errors. */
  retries: number;
  /** Epoch ms of the next attempt. */
  nextAttemptAt: number;
  state: 'queued' | 'dead' | 'done';
  /** For dead letters: the invocation record (JSON text). */
  record?: string;
}

interface Row {
  id: string;
  function_name: string;
  payload: string;
  enqueued_at: number;
  invoke_count: number;
  retries: number;
  next_attempt_at: number;
  state: 'queued' | 'dead' | 'done';
  record: string | null;
}

const toEvent = (r: Row): StoredEvent => ({
  id: r.id,
  functionName: r.function_name,
  payload: r.payload,
  enqueuedAt: r.enqueued_at,
  invokeCount: r.invoke_count,
  retries: r.retries,
  nextAttemptAt: r.next_attempt_at,
  state: r.state,
  record: r.record ?? undefined,
});

/**
 * The durable queue of asynchronous invocations and the dead-letter list. An event is
 * acknowledged only after its INSERT has committed (WAL, synchronous=FULL), so it survives kill -9.
 */
export class AsyncEventStore {
  private readonly insertStmt: StatementSync;
  private readonly dueStmt: StatementSync;
  private readonly nextStmt: StatementSync;
  private readonly rescheduleStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly doneStmt: StatementSync;
  private readonly purgeStmt: StatementSync;
  private readonly deadStmt: StatementSync;
  private readonly listDeadStmt: StatementSync;
  private readonly listDeadAllStmt: StatementSync;
  private readonly getStmt: StatementSync;
  private readonly redriveStmt: StatementSync;
  private readonly countStmt: StatementSync;
  private readonly removeDeadStmt: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.insertStmt = db.prepare(
      `INSERT INTO async_events (id, function_name, payload, enqueued_at, next_attempt_at, state)
       VALUES (?, ?, ?, ?, ?, 'queued')`,
    );
    this.dueStmt = db.prepare(
      `SELECT * FROM async_events WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
    );
    this.nextStmt = db.prepare(
      `SELECT MIN(next_attempt_at) AS at FROM async_events WHERE state = 'queued' AND next_attempt_at > ?`,
    );
    this.rescheduleStmt = db.prepare(
      'UPDATE async_events SET invoke_count = ?, retries = ?, next_attempt_at = ? WHERE id = ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM async_events WHERE id = ?');
    this.doneStmt = db.prepare(
      `UPDATE async_events SET state = 'done', payload = '', next_attempt_at = ? WHERE id = ?`,
    );
    this.purgeStmt = db.prepare(`DELETE FROM async_events WHERE state = 'done' AND next_attempt_at < ?`);
    this.deadStmt = db.prepare(
      `UPDATE async_events SET state = 'dead', invoke_count = ?, retries = ?, record = ? WHERE id = ?`,
    );
    this.listDeadStmt = db.prepare(
      `SELECT * FROM async_events WHERE state = 'dead' AND function_name = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.listDeadAllStmt = db.prepare(
      `SELECT * FROM async_events WHERE state = 'dead' AND id > ? ORDER BY id LIMIT ?`,
    );
    this.getStmt = db.prepare('SELECT * FROM async_events WHERE id = ?');
    this.redriveStmt = db.prepare(
      `UPDATE async_events SET state = 'queued', invoke_count = 0, retries = 0, record = NULL,
         enqueued_at = ?, next_attempt_at = ? WHERE id = ? AND state = 'dead'`,
    );
    this.removeDeadStmt = db.prepare(`DELETE FROM async_events WHERE id = ? AND state = 'dead'`);
    this.countStmt = db.prepare(`SELECT COUNT(*) AS n FROM async_events WHERE state = 'queued'`);
  }

  /** Stores a new event; returns false when the id exists already (a duplicate delivery). */
  insert(id: string, functionName: string, payload: string, now: number): boolean {
    try {
      this.insertStmt.run(id, functionName, payload, now, now);
      return true;
    } catch (e) {
      if (String((e as Error).message).includes('UNIQUE')) return false;
      throw e;
    }
  }

  /**
   * Stores many events in one transaction: one fsync for the whole group (group commit). Returns,
   * per event, false when it was a duplicate. Either all are stored or none.
   */
  insertMany(events: Array<{ id: string; functionName: string; payload: string }>, now: number): boolean[] {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const stored = events.map((e) => this.insert(e.id, e.functionName, e.payload, now));
      this.db.exec('COMMIT');
      return stored;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /**
   * Runs state changes after delivery (done, retry, dead letter) without waiting for the disk:
   * in WAL mode they still survive a crash of the process, and losing one to a power cut only
   * means an event runs again, which at-least-once delivery allows.
   */
  relaxed<T>(fn: () => T): T {
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.exec('PRAGMA synchronous = FULL');
    }
  }

  /** Queued events due at `now`, earliest first. */
  due(now: number, limit: number): StoredEvent[] {
    return (this.dueStmt.all(now, limit) as unknown as Row[]).map(toEvent);
  }

  /**
   * Epoch ms of the earliest event due after `now`, or undefined. Events already due are either
   * running or waiting for a free slot, which the end of each attempt picks up.
   */
  nextDueAt(now: number): number | undefined {
    const at = (this.nextStmt.get(now) as { at: number | null }).at;
    return at ?? undefined;
  }

  queuedCount(): number {
    return Number((this.countStmt.get() as { n: number }).n);
  }

  reschedule(e: StoredEvent): void {
    this.rescheduleStmt.run(e.invokeCount, e.retries, e.nextAttemptAt, e.id);
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  /**
   * Marks an event delivered. Its id is kept (without the payload) so that a replay of the same
   * delivery is still recognised as a duplicate; `purgeDone` forgets old ones.
   */
  markDone(id: string, now: number): void {
    this.doneStmt.run(now, id);
  }

  /** Forgets delivered events finished before `before` (epoch ms); returns how many. */
  purgeDone(before: number): number {
    return Number(this.purgeStmt.run(before).changes);
  }

  /** Moves an event to the dead-letter list with its invocation record. */
  bury(e: StoredEvent, record: string): void {
    this.deadStmt.run(e.invokeCount, e.retries, record, e.id);
  }

  get(id: string): StoredEvent | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row ? toEvent(row) : undefined;
  }

  /** Dead letters, optionally of one function, after `marker` (exclusive), sorted by id. */
  listDead(functionName: string | undefined, marker: string, limit: number): StoredEvent[] {
    const rows = functionName
      ? this.listDeadStmt.all(functionName, marker, limit)
      : this.listDeadAllStmt.all(marker, limit);
    return (rows as unknown as Row[]).map(toEvent);
  }

  /** Deletes a dead letter; false if there is none with that id. */
  removeDead(id: string): boolean {
    return Number(this.removeDeadStmt.run(id).changes) === 1;
  }

  /** Puts a dead letter back in the queue, due now; false if there is no such dead letter. */
  redrive(id: string, now: number): boolean {
    return Number(this.redriveStmt.run(now, now, id).changes) === 1;
  }
}
