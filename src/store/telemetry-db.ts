import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { openMigrated } from './db';

/**
 * Metrics and logs live in their own SQLite file, apart from islet.db: they are written on every
 * invocation, so they use synchronous=NORMAL (a power loss may drop the last moments of telemetry,
 * never a function or a queued event) and never contend with the registry's writes.
 */
const migrations = [
  `CREATE TABLE metric_minutes (
     function_name TEXT NOT NULL,
     minute INTEGER NOT NULL,
     invocations INTEGER NOT NULL,
     errors INTEGER NOT NULL,
     throttles INTEGER NOT NULL,
     system_errors INTEGER NOT NULL,
     cold_starts INTEGER NOT NULL,
     dead_letters INTEGER NOT NULL,
     duration_sum_ms REAL NOT NULL,
     duration_min_ms REAL,
     duration_max_ms REAL,
     duration_hist TEXT NOT NULL,
     billed_ms INTEGER NOT NULL,
     gb_seconds REAL NOT NULL,
     cpu_ms REAL NOT NULL,
     max_concurrency INTEGER NOT NULL,
     iterator_age_max_ms REAL,
     PRIMARY KEY (function_name, minute)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX metric_minutes_minute ON metric_minutes (minute)`,
  `CREATE TABLE log_records (
     id INTEGER PRIMARY KEY,
     function_name TEXT NOT NULL,
     stream TEXT NOT NULL,
     first_ms INTEGER NOT NULL,
     last_ms INTEGER NOT NULL,
     request_id TEXT,
     bytes INTEGER NOT NULL,
     text TEXT NOT NULL
   ) STRICT;
   CREATE INDEX log_records_function ON log_records (function_name, first_ms);
   CREATE INDEX log_records_stream ON log_records (function_name, stream, first_ms);
   CREATE TABLE log_groups (
     function_name TEXT PRIMARY KEY,
     created_ms INTEGER NOT NULL,
     retention_days INTEGER
   ) STRICT`,
];

/** Opens (and migrates) the telemetry database in the data dir. */
export function openTelemetryDatabase(dataDir: string): DatabaseSync {
  return openMigrated(join(dataDir, 'telemetry.db'), migrations, 'NORMAL');
}
