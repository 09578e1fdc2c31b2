import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { addRollup, emptyRollup, type MinuteRollup } from '../telemetry/rollup';

/** A stored minute: function ('' = whole account), minute start (epoch ms) and its rollup. */
export interface StoredMinute {
  functionName: string;
  minute: number;
  rollup: MinuteRollup;
}

interface Row {
  function_name: string;
  minute: number;
  invocations: number;
  errors: number;
  throttles: number;
  system_errors: number;
  cold_starts: number;
  dead_letters: number;
  duration_sum_ms: number;
  duration_min_ms: number | null;
  duration_max_ms: number | null;
  duration_hist: string;
  billed_ms: number;
  gb_seconds: number;
  cpu_ms: number;
  max_concurrency: number;
  iterator_age_max_ms: number | null;
}

function fromRow(r: Row): StoredMinute {
  return {
    functionName: r.function_name,
    minute: r.minute,
    rollup: {
      invocations: r.invocations,
      errors: r.errors,
      throttles: r.throttles,
      systemErrors: r.system_errors,
      coldStarts: r.cold_starts,
      deadLetters: r.dead_letters,
      durationSumMs: r.duration_sum_ms,
      durationMinMs: r.duration_min_ms ?? undefined,
      durationMaxMs: r.duration_max_ms ?? undefined,
      durationHist: JSON.parse(r.duration_hist) as MinuteRollup['durationHist'],
      billedMs: r.billed_ms,
      gbSeconds: r.gb_seconds,
      cpuMs: r.cpu_ms,
      maxConcurrency: r.max_concurrency,
      iteratorAgeMaxMs: r.iterator_age_max_ms ?? undefined,
    },
  };
}

/** Per-minute metric rollups in the telemetry database. */
export class MetricStore {
  private readonly getOne: StatementSync;
  private readonly upsert: StatementSync;
  private readonly range: StatementSync;
  private readonly names: StatementSync;

  constructor(private readonly db: DatabaseSync) {
    this.getOne = db.prepare('SELECT * FROM metric_minutes WHERE function_name = ? AND minute = ?');
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO metric_minutes VALUES
       (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.range = db.prepare(
      'SELECT * FROM metric_minutes WHERE function_name = ? AND minute >= ? AND minute < ? ORDER BY minute',
    );
    this.names = db.prepare(
      "SELECT DISTINCT function_name FROM metric_minutes WHERE minute >= ? AND function_name != '' ORDER BY function_name",
    );
  }

  /** Adds each delta to its stored minute (one transaction). */
  add(deltas: StoredMinute[]): void {
    if (deltas.length === 0) return;
    this.db.exec('BEGIN');
    try {
      for (const d of deltas) {
        const existing = this.getOne.get(d.functionName, d.minute) as Row | undefined;
        const r = existing ? fromRow(existing).rollup : emptyRollup();
        addRollup(r, d.rollup);
        this.upsert.run(
          d.functionName,
          d.minute,
          r.invocations,
          r.errors,
          r.throttles,
          r.systemErrors,
          r.coldStarts,
          r.deadLetters,
          r.durationSumMs,
          r.durationMinMs ?? null,
          r.durationMaxMs ?? null,
          JSON.stringify(r.durationHist),
          r.billedMs,
          r.gbSeconds,
          r.cpuMs,
          r.maxConcurrency,
          r.iteratorAgeMaxMs ?? null,
        );
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Stored minutes of one function ('' = account) in [fromMs, toMs). */
  minutes(functionName: string, fromMs: number, toMs: number): StoredMinute[] {
    return (this.range.all(functionName, fromMs, toMs) as unknown as Row[]).map(fromRow);
  }

  /** Per function and UTC day in [fromMs, toMs): requests, billed ms, GB-seconds, CPU ms (no account rows). */
  dailyTotals(
    fromMs: number,
    toMs: number,
  ): Array<{
    functionName: string;
    day: number;
    requests: number;
    billedMs: number;
    gbSeconds: number;
    cpuMs: number;
  }> {
    const rows = this.db
      .prepare(
        `SELECT function_name, (minute / 86400000) * 86400000 AS day, sum(invocations) AS requests,
                sum(billed_ms) AS billed_ms, sum(gb_seconds) AS gb_seconds, sum(cpu_ms) AS cpu_ms
         FROM metric_minutes WHERE function_name != '' AND minute >= ? AND minute < ?
         GROUP BY function_name, day ORDER BY day, function_name`,
      )
      .all(fromMs, toMs) as Array<{
      function_name: string;
      day: number;
      requests: number;
      billed_ms: number;
      gb_seconds: number;
      cpu_ms: number;
    }>;
    return rows.map((r) => ({
      functionName: r.function_name,
      day: r.day,
      requests: r.requests,
      billedMs: r.billed_ms,
      gbSeconds: r.gb_seconds,
      cpuMs: r.cpu_ms,
    }));
  }

  /** Functions with any data since `sinceMs`. */
  functionNames(sinceMs: number): string[] {
    return (this.names.all(sinceMs) as Array<{ function_name: string }>).map((r) => r.function_name);
  }

  /** Deletes minutes before `beforeMs`, then the oldest beyond `maxRows`; returns rows removed. */
  prune(beforeMs: number, maxRows: number): number {
    let removed = Number(
      this.db.prepare('DELETE FROM metric_minutes WHERE minute < ?').run(beforeMs).changes,
    );
    const { n } = this.db.prepare('SELECT count(*) AS n FROM metric_minutes').get() as { n: number };
    if (n > maxRows) {
      const cut = this.db
        .prepare('SELECT minute FROM metric_minutes ORDER BY minute LIMIT 1 OFFSET ?')
        .get(n - maxRows) as { minute: number } | undefined;
      if (cut) {
        removed += Number(
          this.db.prepare('DELETE FROM metric_minutes WHERE minute < ?').run(cut.minute).changes,
        );
      }
    }
    return removed;
  }
}
