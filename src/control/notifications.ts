import { randomUUID } from 'node:crypto';
import { s3Arn } from '../arns';
import type { LambdaNotification, NotificationStore } from '../store/notification-store';
import { functionArnPattern } from './function-ref';
import type { Functions } from './functions';
import { allowsService } from './policy';

/** An S3-style error (answered as XML by the S3 routes). */
export class S3Error extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Bucket names S3, MinIO and Ceph accept. */
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Event types S3 (and MinIO's ObjectAccessed) can notify about. */
const eventTypes = new Set([
  's3:TestEvent',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
  's3:ObjectAccessed:*',
  's3:ObjectAccessed:Get',
  's3:ObjectAccessed:Head',
]);

/** The input of PutBucketNotificationConfiguration, already read from its XML. */
export interface NotificationInput {
  id?: string;
  functionArn?: string;
  events: string[];
  filterRules: Array<{ name: string; value: string }>;
}

/** Validates a bucket name. */
export function checkBucket(bucket: string): void {
  if (!bucketPattern.test(bucket) || bucket.includes('..')) {
    throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.');
  }
}

/**
 * Which functions a bucket's object events go to: the S3 way, with LambdaFunctionConfigurations.
 * The destination function must exist and its resource policy must let s3.amazonaws.com invoke it
 * for this bucket, as S3 checks when the configuration is put.
 */
export class BucketNotifications {
  constructor(
    private readonly store: NotificationStore,
    private readonly functions: Functions,
    private readonly accountId: string,
  ) {}

  get(bucket: string): LambdaNotification[] {
    checkBucket(bucket);
    return this.store.get(bucket);
  }

  /** The configurations, across all buckets, whose destination is the function `functionName`. */
  targeting(functionName: string): Array<{ bucket: string; config: LambdaNotification }> {
    return this.store
      .list()
      .flatMap(({ bucket, configs }) =>
        configs
          .filter((c) => functionArnPattern.exec(c.functionArn)?.[1] === functionName)
          .map((config) => ({ bucket, config })),
      );
  }

  put(bucket: string, inputs: NotificationInput[]): LambdaNotification[] {
    checkBucket(bucket);
    const configs: LambdaNotification[] = [];
    const ids = new Set<string>();
    for (const input of inputs) {
      const name = input.functionArn ? this.functions.destinationFunction(input.functionArn) : undefined;
      if (!input.functionArn || !name) {
        throw new S3Error(
          'InvalidArgument',
          400,
          `Unable to validate the following destination configurations: ${input.functionArn ?? '(missing CloudFunction)'} does not exist`,
        );
      }
      if (
        !allowsService(this.functions.get(name).policy, 's3.amazonaws.com', {
          arn: s3Arn(bucket),
          account: this.accountId,
        })
      ) {
        throw new S3Error(
          'InvalidArgument',
          400,
          `Unable to validate the following destination configurations: the resource policy of ${input.functionArn} does not allow s3.amazonaws.com to invoke it for ${s3Arn(bucket)} (add it with AddPermission)`,
        );
      }
      if (input.events.length === 0 || !input.events.every((e) => eventTypes.has(e))) {
        throw new S3Error(
          'InvalidArgument',
          400,
          `The event is not supported for notifications: ${input.events.join(', ') || '(none)'}`,
        );
      }
      const config: LambdaNotification = {
        id: input.id || randomUUID(),
        functionArn: input.functionArn,
        events: input.events,
      };
      for (const rule of input.filterRules) {
        const kind = rule.name.toLowerCase();
        if ((kind !== 'prefix' && kind !== 'suffix') || config[kind] !== undefined) {
          throw new S3Error(
            'InvalidArgument',
            400,
            `Invalid filter rule name or a repeated rule: ${rule.name}`,
          );
        }
        config[kind] = rule.value;
      }
      if (ids.has(config.id))
        throw new S3Error('InvalidArgument', 400, `Configuration id ${config.id} is used twice`);
      ids.add(config.id);
      configs.push(config);
    }
    this.store.put(bucket, configs);
    return configs;
  }
}

/** Whether an event name (s3:ObjectCreated:Put) matches a configured type (s3:ObjectCreated:*). */
export function eventMatches(pattern: string, eventName: string): boolean {
  if (pattern.endsWith(':*')) return eventName.startsWith(pattern.slice(0, -1));
  return pattern === eventName;
}
