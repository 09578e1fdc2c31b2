import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** A target of a rule: a function, with an optional constant input (JSON text). */
export interface RuleTarget {
  id: string;
  arn: string;
  input?: string;
}

/** A scheduled rule (EventBridge PutRule with a ScheduleExpression). */
export interface RuleRecord {
  name: string;
  scheduleExpression: string;
  state: 'ENABLED' | 'DISABLED';
  description: string;
  targets: RuleTarget[];
  /** Epoch ms when the rule was created: the anchor of rate() schedules. */
  createdAt: number;
  /** Epoch ms of the last tick that was queued. */
  lastTickAt?: number;
}

/** Durable schedule rules. */
export class RuleStore {
  private readonly getStmt: StatementSync;
  private readonly listStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly deleteStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.getStmt = db.prepare('SELECT config FROM schedule_rules WHERE name = ?');
    this.listStmt = db.prepare('SELECT config FROM schedule_rules ORDER BY name');
    this.putStmt = db.prepare(
      'INSERT INTO schedule_rules (name, config) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET config = excluded.config',
    );
    this.deleteStmt = db.prepare('DELETE FROM schedule_rules WHERE name = ?');
  }

  get(name: string): RuleRecord | undefined {
    const row = this.getStmt.get(name) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as RuleRecord) : undefined;
  }

  list(): RuleRecord[] {
    return (this.listStmt.all() as Array<{ config: string }>).map((r) => JSON.parse(r.config) as RuleRecord);
  }

  put(rule: RuleRecord): void {
    this.putStmt.run(rule.name, JSON.stringify(rule));
  }

  delete(name: string): void {
    this.deleteStmt.run(name);
  }
}
