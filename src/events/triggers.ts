import { s3Arn } from '../arns';
import type { Functions } from '../control/functions';
import { eventMatches } from '../control/notifications';
import { allowsService } from '../control/policy';
import type { Logger } from '../logger';
import type { NotificationStore } from '../store/notification-store';
import type { AsyncQueue } from './async-queue';
import { decodeKey, normaliseS3Record, type S3EventRecord } from './shapes/s3';
import { stableUuid } from './stable-id';

/** What happened to the records of one notification. */
export interface DispatchReport {
  /** Invocations queued. */
  queued: number;
  /** Deliveries already queued before (a replay): not run twice. */
  duplicates: number;
  /** Records no configuration matched. */
  unmatched: number;
  /** Matches refused because the function's policy does not allow S3 for this bucket. */
  denied: number;
  /** Matches whose function no longer exists. */
  missing: number;
}

/**
 * Turns object notifications into asynchronous invocations: each record goes to every function
 * whose bucket configuration matches its event and key, once per (record, configuration), as S3
 * itself delivers them. The event id is derived from the record, so a replayed notification
 * (MinIO's queue_dir, SNS redelivery) is recognised and not run again.
 */
export class StorageTriggers {
  constructor(
    private readonly notifications: NotificationStore,
    private readonly functions: Functions,
    private readonly queue: AsyncQueue,
    private readonly account: { region: string; accountId: string },
    private readonly logger: Logger,
  ) {}

  async dispatch(records: S3EventRecord[]): Promise<DispatchReport> {
    const report: DispatchReport = { queued: 0, duplicates: 0, unmatched: 0, denied: 0, missing: 0 };
    for (const raw of records) {
      const record = normaliseS3Record(raw, this.account.region);
      const bucket = record.s3.bucket.name;
      const key = decodeKey(record.s3.object.key);
      const eventName = `s3:${record.eventName}`;
      let matched = false;
      for (const config of this.notifications.get(bucket)) {
        if (!config.events.some((p) => eventMatches(p, eventName))) continue;
        if (config.prefix !== undefined && !key.startsWith(config.prefix)) continue;
        if (config.suffix !== undefined && !key.endsWith(config.suffix)) continue;
        matched = true;
        const name = this.functions.destinationFunction(config.functionArn);
        if (!name) {
          report.missing++;
          this.logger.warn('trigger.function_missing', { bucket, function: config.functionArn });
          continue;
        }
        const source = { arn: s3Arn(bucket), account: this.account.accountId };
        if (!allowsService(this.functions.get(name).policy, 's3.amazonaws.com', source)) {
          report.denied++;
          this.logger.warn('trigger.denied', { bucket, function: name });
          continue;
        }
        const event = { Records: [{ ...record, s3: { ...record.s3, configurationId: config.id } }] };
        const { duplicate } = await this.queue.enqueue(
          name,
          JSON.stringify(event),
          deliveryId(record, config.id, name),
        );
        if (duplicate) report.duplicates++;
        else report.queued++;
      }
      if (!matched) report.unmatched++;
    }
    return report;
  }
}

/** A stable id for one delivery of one record to one configuration (formatted like a UUID). */
function deliveryId(r: S3EventRecord, configId: string, functionName: string): string {
  const o = r.s3.object;
  const identity = o.sequencer || r.eventId || [o.versionId, o.eTag, r.eventTime].join('/');
  return stableUuid(
    ...[r.eventSource, r.s3.bucket.name, o.key, r.eventName, identity, configId, functionName],
  );
}
