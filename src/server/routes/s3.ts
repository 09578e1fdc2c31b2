import { XMLParser } from 'fast-xml-parser';
import { type Context, Hono } from 'hono';
import { type BucketNotifications, type NotificationInput, S3Error } from '../../control/notifications';
import { limits } from '../../limits';
import type { LambdaNotification } from '../../store/notification-store';
import { readBody } from '../body';

const xmlHeader = '<?xml version="1.0" encoding="UTF-8"?>\n';
const ns = 'http://s3.amazonaws.com/doc/2006-03-01/';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function s3Error(c: Context, e: S3Error): Response {
  return c.body(
    `${xmlHeader}<Error><Code>${e.code}</Code><Message>${esc(e.message)}</Message><Resource>${esc(c.req.path)}</Resource></Error>`,
    e.status as 400,
    { 'Content-Type': 'application/xml' },
  );
}

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

/**
 * The S3 API subset islet answers on its own endpoint (requests signed for service `s3`):
 * Put/GetBucketNotificationConfiguration, for any bucket name, whether the bucket lives in islet
 * or in an external storage system. Other S3 operations answer NotImplemented.
 */
export function s3Routes(notifications: BucketNotifications): Hono {
  const app = new Hono({ strict: false });
  const guard = (fn: (c: Context) => Promise<Response> | Response) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (e) {
      if (e instanceof S3Error) return s3Error(c, e);
      throw e;
    }
  };
  app.put(
    '/:bucket',
    guard(async (c) => {
      if (c.req.query('notification') === undefined) throw notImplemented();
      const body = await readBody(c, limits.maxControlRequestBytes, 'PutBucketNotificationConfiguration');
      notifications.put(c.req.param('bucket')!, parseNotificationXml(body.toString('utf8')));
      return c.body(null, 200);
    }),
  );
  app.get(
    '/:bucket',
    guard((c) => {
      if (c.req.query('notification') === undefined) throw notImplemented();
      const xml = notificationXml(notifications.get(c.req.param('bucket')!));
      return c.body(xml, 200, { 'Content-Type': 'application/xml' });
    }),
  );
  app.all(
    '*',
    guard(() => Promise.reject(notImplemented())),
  );
  return app;
}

function notImplemented(): S3Error {
  return new S3Error(
    'NotImplemented',
    501,
    'islet answers PutBucketNotificationConfiguration and GetBucketNotificationConfiguration only; object storage is not built in yet',
  );
}
