import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One LambdaFunctionConfiguration of a bucket's notification configuration. */
export interface LambdaNotification {
  id: string;
  functionArn: string;
  /** Event types with the s3: prefix, wildcards allowed: s3:ObjectCreated:*. */
  events: string[];
  prefix?: string;
  suffix?: string;
}

/** Bucket notification configurations, for buckets in islet or in any external storage system. */
export class NotificationStore {
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly listStmt: StatementSync;

  constructor(db: DatabaseSync) {
    this.getStmt = db.prepare('SELECT config FROM bucket_notifications WHERE bucket = ?');
    this.putStmt = db.prepare(
      'INSERT INTO bucket_notifications (bucket, config) VALUES (?, ?) ON CONFLICT (bucket) DO UPDATE SET config = excluded.config',
    );
    this.deleteStmt = db.prepare('DELETE FROM bucket_notifications WHERE bucket = ?');
    this.listStmt = db.prepare('SELECT bucket, config FROM bucket_notifications ORDER BY bucket');
  }

  /** Every bucket's configuration, by bucket name. */
  list(): Array<{ bucket: string; configs: LambdaNotification[] }> {
    return (this.listStmt.all() as Array<{ bucket: string; config: string }>).map((r) => ({
      bucket: r.bucket,
      configs: JSON.parse(r.config) as LambdaNotification[],
    }));
  }

  get(bucket: string): LambdaNotification[] {
    const row = this.getStmt.get(bucket) as { config: string } | undefined;
    return row ? (JSON.parse(row.config) as LambdaNotification[]) : [];
  }

  /** Replaces a bucket's configuration (an empty list removes it), in one transaction. */
  put(bucket: string, configs: LambdaNotification[]): void {
    if (configs.length === 0) this.deleteStmt.run(bucket);
    else this.putStmt.run(bucket, JSON.stringify(configs));
  }
}
