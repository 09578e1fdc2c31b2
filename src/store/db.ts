import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** Schema migrations, applied in order; the index is the schema version. */
const migrations = [
  `CREATE TABLE functions (
     name TEXT PRIMARY KEY,
     record TEXT NOT NULL,
     revision_id TEXT NOT NULL
   ) STRICT`,
  `CREATE TABLE async_events (
     id TEXT PRIMARY KEY,
     function_name TEXT NOT NULL,
     payload TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     invoke_count INTEGER NOT NULL DEFAULT 0,
     retries INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     state TEXT NOT NULL,
     record TEXT
   ) STRICT;
   CREATE INDEX async_events_due ON async_events (state, next_attempt_at);
   CREATE INDEX async_events_function ON async_events (function_name, state)`,
  `CREATE TABLE bucket_notifications (
     bucket TEXT PRIMARY KEY,
     config TEXT NOT NULL
   ) STRICT`,
  `CREATE TABLE event_source_mappings (
     uuid TEXT PRIMARY KEY,
     function_name TEXT NOT NULL,
     config TEXT NOT NULL
   ) STRICT;
   CREATE TABLE stream_checkpoints (
     mapping_uuid TEXT NOT NULL,
     shard_id TEXT NOT NULL,
     sequence_number TEXT NOT NULL,
     PRIMARY KEY (mapping_uuid, shard_id)
   ) STRICT`,
  `CREATE TABLE schedule_rules (
     name TEXT PRIMARY KEY,
     config TEXT NOT NULL
   ) STRICT`,
  // IAM: names of roles and users are unique regardless of case, as in IAM; iam_generation
  // counts changes so every process holding the data dir notices edits made by another.
  `CREATE TABLE iam_roles (
     name TEXT PRIMARY KEY COLLATE NOCASE,
     path TEXT NOT NULL,
     role_id TEXT NOT NULL,
     assume_role_policy TEXT NOT NULL,
     description TEXT NOT NULL,
     max_session_seconds INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE iam_role_policies (
     role_name TEXT NOT NULL COLLATE NOCASE,
     policy_name TEXT NOT NULL,
     document TEXT NOT NULL,
     PRIMARY KEY (role_name, policy_name)
   ) STRICT;
   CREATE TABLE iam_users (
     name TEXT PRIMARY KEY COLLATE NOCASE,
     path TEXT NOT NULL,
     user_id TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE iam_user_policies (
     user_name TEXT NOT NULL COLLATE NOCASE,
     policy_name TEXT NOT NULL,
     document TEXT NOT NULL,
     PRIMARY KEY (user_name, policy_name)
   ) STRICT;
   CREATE TABLE iam_access_keys (
     id TEXT PRIMARY KEY,
     user_name TEXT NOT NULL COLLATE NOCASE,
     sealed_secret TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX iam_access_keys_user ON iam_access_keys (user_name);
   CREATE TABLE iam_generation (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     value INTEGER NOT NULL
   ) STRICT;
   INSERT INTO iam_generation (id, value) VALUES (1, 0)`,
  // Embedded S3: buckets, objects (bytes in content-addressed files under objects/), multipart
  // uploads and their parts; s3_sequence numbers every change for event sequencers.
  `CREATE TABLE s3_buckets (
     name TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE s3_objects (
     bucket TEXT NOT NULL,
     key TEXT NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     blob TEXT NOT NULL,
     last_modified INTEGER NOT NULL,
     headers TEXT NOT NULL,
     metadata TEXT NOT NULL,
     PRIMARY KEY (bucket, key)
   ) STRICT;
   CREATE INDEX s3_objects_blob ON s3_objects (blob);
   CREATE TABLE s3_uploads (
     upload_id TEXT PRIMARY KEY,
     bucket TEXT NOT NULL,
     key TEXT NOT NULL,
     initiated INTEGER NOT NULL,
     headers TEXT NOT NULL,
     metadata TEXT NOT NULL
   ) STRICT;
   CREATE INDEX s3_uploads_key ON s3_uploads (bucket, key, upload_id);
   CREATE TABLE s3_parts (
     upload_id TEXT NOT NULL,
     part_number INTEGER NOT NULL,
     size INTEGER NOT NULL,
     etag TEXT NOT NULL,
     blob TEXT NOT NULL,
     last_modified INTEGER NOT NULL,
     PRIMARY KEY (upload_id, part_number)
   ) STRICT;
   CREATE INDEX s3_parts_blob ON s3_parts (blob);
   CREATE TABLE s3_sequence (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     value INTEGER NOT NULL
   ) STRICT;
   INSERT INTO s3_sequence (id, value) VALUES (1, 0)`,
  // Streams of islet's own DynamoDB tables: one row per stream (a new label each time a table's
  // stream is enabled) and the change records, kept 24 hours.
  `CREATE TABLE table_streams (
     table_name TEXT NOT NULL,
     label TEXT NOT NULL,
     view_type TEXT NOT NULL,
     enabled INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (table_name, label)
   ) STRICT;
   CREATE TABLE table_stream_records (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     table_name TEXT NOT NULL,
     label TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     record TEXT NOT NULL
   ) STRICT;
   CREATE INDEX table_stream_records_stream ON table_stream_records (table_name, label, seq);
   CREATE INDEX table_stream_records_age ON table_stream_records (created_at)`,
];

/**
 * Opens a SQLite database in WAL mode with the given sync level and applies the migrations it has
 * not had yet (the index in `migrations` is the schema version), each in its own transaction.
 */
export function openMigrated(
  path: string,
  migrations: readonly string[],
  synchronous: 'FULL' | 'NORMAL',
): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${synchronous}`);
  db.exec('PRAGMA busy_timeout = 5000');
  const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  for (let v = version; v < migrations.length; v++) {
    db.exec('BEGIN');
    try {
      db.exec(migrations[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }
  return db;
}

/**
 * Opens islet's SQLite database in WAL mode with full sync: a committed transaction survives
 * kill -9 and power loss.
 */
export function openDatabase(dataDir: string): DatabaseSync {
  return openMigrated(join(dataDir, 'islet.db'), migrations, 'FULL');
}
