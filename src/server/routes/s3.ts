import type { IncomingMessage } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { type Context, Hono } from 'hono';
import { type BucketNotifications, type NotificationInput, S3Error } from '../../control/notifications';
import { S3Failure, s3Errors } from '../../control/object-errors';
import { s3Address, s3OperationOf, unsupportedSubresource } from '../../control/s3-operations';
import { LambdaError } from '../../errors';
import { limits } from '../../limits';
import type { Logger } from '../../logger';
import type { LambdaNotification } from '../../store/notification-store';
import { readBody } from '../body';
import { esc, s3Namespace as ns, requestIdOf, s3ErrorResponse, xmlHeader } from '../s3-xml';
import * as buckets from './s3-buckets';
import type { S3Call, S3Deps } from './s3-call';
import * as multipart from './s3-multipart';
import * as objects from './s3-objects';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) =>
    [
      'CloudFunctionConfiguration',
      'QueueConfiguration',
      'TopicConfiguration',
      'Event',
      'FilterRule',
    ].includes(name),
});

/** Reads PutBucketNotificationConfiguration's XML (the SDKs send LambdaFunctionConfigurations as CloudFunctionConfiguration). */
function parseNotificationXml(text: string): NotificationInput[] {
  let doc: Record<string, any>;
  try {
    doc = parser.parse(text, true);
  } catch {
    throw new S3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  const root = doc.NotificationConfiguration;
  if (root === undefined) {
    throw new S3Error(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  if (root === '' || root === null) return [];
  if (root.QueueConfiguration || root.TopicConfiguration || root.EventBridgeConfiguration !== undefined) {
    throw new S3Error(
      'InvalidArgument',
      400,
      'islet delivers bucket notifications to Lambda functions only (LambdaFunctionConfigurations)',
    );
  }
  return ((root.CloudFunctionConfiguration ?? []) as Array<Record<string, any>>).map((c) => ({
    id: typeof c.Id === 'string' ? c.Id : undefined,
    functionArn: typeof c.CloudFunction === 'string' ? c.CloudFunction : undefined,
    events: ((c.Event ?? []) as unknown[]).map(String),
    filterRules: ((c.Filter?.S3Key?.FilterRule ?? []) as Array<Record<string, unknown>>).map((r) => ({
      name: String(r.Name ?? ''),
      value: String(r.Value ?? ''),
    })),
  }));
}

function notificationXml(configs: LambdaNotification[]): string {
  const parts = configs.map((c) => {
    const rules = [
      c.prefix !== undefined
        ? `<FilterRule><Name>Prefix</Name><Value>${esc(c.prefix)}</Value></FilterRule>`
        : '',
      c.suffix !== undefined
        ? `<FilterRule><Name>Suffix</Name><Value>${esc(c.suffix)}</Value></FilterRule>`
        : '',
    ].join('');
    return (
      `<CloudFunctionConfiguration><Id>${esc(c.id)}</Id><CloudFunction>${esc(c.functionArn)}</CloudFunction>` +
      c.events.map((e) => `<Event>${esc(e)}</Event>`).join('') +
      (rules ? `<Filter><S3Key>${rules}</S3Key></Filter>` : '') +
      '</CloudFunctionConfiguration>'
    );
  });
  return `${xmlHeader}<NotificationConfiguration xmlns="${ns}">${parts.join('')}</NotificationConfiguration>`;
}

/** The handler of each operation of the embedded store. */
const handlers: Record<string, (c: Context, call: S3Call) => Response | Promise<Response>> = {
  ListBuckets: buckets.listBuckets,
  CreateBucket: buckets.createBucket,
  HeadBucket: buckets.headBucket,
  DeleteBucket: buckets.deleteBucket,
  GetBucketLocation: buckets.getBucketLocation,
  ListObjects: (c, call) => buckets.listObjectsOf(c, call, false),
  ListObjectsV2: (c, call) => buckets.listObjectsOf(c, call, true),
  ListMultipartUploads: buckets.listMultipartUploads,
  DeleteObjects: objects.deleteObjects,
  PutObject: objects.putObject,
  CopyObject: objects.copyObject,
  GetObject: (c, call) => objects.getObject(c, call, false),
  HeadObject: (c, call) => objects.getObject(c, call, true),
  DeleteObject: objects.deleteObject,
  CreateMultipartUpload: multipart.createMultipartUpload,
  UploadPart: multipart.uploadPart,
  UploadPartCopy: multipart.uploadPartCopy,
  CompleteMultipartUpload: multipart.completeMultipartUpload,
  AbortMultipartUpload: multipart.abortMultipartUpload,
  ListParts: multipart.listParts,
};

/** Whether the request target, as sent, has '.' or '..' path segments (URL parsing resolves them away). */
function hasDotSegments(c: Context): boolean {
  const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.url;
  if (raw === undefined) return false;
  const path = raw.split('?')[0];
  return path.split('/').some((s) => /^(?:\.|%2e){1,2}$/i.test(s));
}

/**
 * islet's S3 API (requests signed for service `s3`): the embedded object store (buckets, objects,
 * listings, multipart uploads), path-style and virtual-host style (`bucket.localhost`), and the
 * bucket notification configuration for any bucket name, whether the bucket lives in islet or in
 * an external storage system.
 */
export function s3Routes(
  notifications: BucketNotifications,
  embedded?: Omit<S3Deps, 'notifications'>,
  logger?: Logger,
): Hono {
  const app = new Hono({ strict: false });
  app.all('*', async (c) => {
    try {
      requestIdOf(c);
      return await dispatch(c);
    } catch (e) {
      if (e instanceof S3Error) return s3ErrorResponse(c, e);
      if (e instanceof LambdaError) throw e; // the notification routes' body limits, as before
      const id = requestIdOf(c);
      logger?.error('s3.internal_error', { requestId: id, error: String((e as Error)?.stack ?? e) });
      return s3ErrorResponse(
        c,
        new S3Failure(
          'InternalError',
          500,
          `We encountered an internal error. Please try again. (reference ${id})`,
        ),
      );
    }
  });

  async function dispatch(c: Context): Promise<Response> {
    const url = new URL(c.req.url);
    const address = s3Address(c.req.header('host'), url.pathname);
    const query = url.searchParams;
    const op = s3OperationOf(c.req.method, address, query, (n) => c.req.header(n));
    if (!op) {
      const sub = unsupportedSubresource(query, address.key !== undefined);
      if (sub) throw s3Errors.notImplemented(`?${sub}`);
      throw new S3Failure(
        'MethodNotAllowed',
        405,
        'The specified method is not allowed against this resource.',
        {
          Method: c.req.method,
          ResourceType: address.key !== undefined ? 'OBJECT' : address.bucket ? 'BUCKET' : 'SERVICE',
        },
      );
    }
    if (op.name === 'PutBucketNotificationConfiguration') {
      const body = await readBody(c, limits.maxControlRequestBytes, 'PutBucketNotificationConfiguration');
      notifications.put(address.bucket!, parseNotificationXml(body.toString('utf8')));
      return c.body(null, 200);
    }
    if (op.name === 'GetBucketNotificationConfiguration') {
      const xml = notificationXml(notifications.get(address.bucket!));
      return c.body(xml, 200, { 'Content-Type': 'application/xml' });
    }
    if (!embedded) throw s3Errors.notImplemented(op.name);
    if (hasDotSegments(c)) {
      throw s3Errors.invalidArgument(
        "islet does not store keys with '.' or '..' path segments (HTTP clients and proxies resolve them into other paths)",
        'key',
        address.key,
      );
    }
    const handler = handlers[op.name];
    if (!handler) throw s3Errors.notImplemented(op.name);
    return handler(c, { ...embedded, notifications, bucket: address.bucket, key: address.key, query });
  }
  return app;
}
