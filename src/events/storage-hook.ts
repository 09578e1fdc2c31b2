import { isS3EventRecord, type S3EventRecord } from './shapes/s3';

/** What a POST to /hooks/storage turned out to be. */
export type StorageNotification =
  | { kind: 'records'; records: S3EventRecord[] }
  /** SNS asks to confirm a subscription: islet visits SubscribeURL. */
  | { kind: 'subscription-confirmation'; subscribeUrl: string; topicArn: string }
  /** A probe (MinIO at startup), an S3 test event or an SNS unsubscribe: answered 200, nothing queued. */
  | { kind: 'probe' };

/** A body islet cannot read as any known notification. */
export class BadNotificationError extends Error {}

function recordsOf(value: unknown): S3EventRecord[] | undefined {
  const records = (value as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return undefined;
  if (!records.every(isS3EventRecord))
    throw new BadNotificationError('a record is not an S3 object notification');
  return records;
}

/**
 * Reads a storage notification: AWS S3 (bare `Records`, or wrapped in an SNS HTTP message), MinIO
 * webhook posts (`EventName`, `Key`, `Records`), Ceph RGW pushes (`Records`), S3 test events and
 * probes. The records' own shapes are normalised later (shapes/s3.ts).
 */
export function parseStorageNotification(
  body: string,
  snsMessageType: string | undefined,
): StorageNotification {
  if (body.trim() === '') return { kind: 'probe' };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new BadNotificationError('the body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadNotificationError('the body is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  const snsType =
    snsMessageType ?? (typeof v.TopicArn === 'string' ? (v.Type as string | undefined) : undefined);
  if (snsType) {
    if (snsType === 'SubscriptionConfirmation') {
      if (typeof v.SubscribeURL !== 'string' || !/^https?:\/\//.test(v.SubscribeURL)) {
        throw new BadNotificationError('SubscriptionConfirmation without a SubscribeURL');
      }
      return {
        kind: 'subscription-confirmation',
        subscribeUrl: v.SubscribeURL,
        topicArn: String(v.TopicArn ?? ''),
      };
    }
    if (snsType === 'UnsubscribeConfirmation') return { kind: 'probe' };
    if (snsType !== 'Notification' || typeof v.Message !== 'string') {
      throw new BadNotificationError(`unsupported SNS message type ${String(snsType).slice(0, 40)}`);
    }
    return parseStorageNotification(v.Message, undefined);
  }
  if (v.Event === 's3:TestEvent') return { kind: 'probe' };
  const records = recordsOf(v);
  if (records) return { kind: 'records', records };
  throw new BadNotificationError('no Records in the notification');
}

/**
 * Confirms an SNS subscription by visiting its SubscribeURL (10 s at most). `status` is absent
 * when the URL could not be reached.
 */
export async function confirmSubscription(subscribeUrl: string): Promise<{ ok: boolean; status?: number }> {
  const res = await fetch(subscribeUrl, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  await res?.body?.cancel();
  return { ok: res?.ok ?? false, status: res?.status };
}
