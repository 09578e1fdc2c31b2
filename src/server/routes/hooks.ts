import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { LambdaError } from '../../errors';
import { checkHookAuth } from '../../events/hook-auth';
import {
  BadNotificationError,
  confirmSubscription,
  parseStorageNotification,
} from '../../events/storage-hook';
import type { StorageTriggers } from '../../events/triggers';
import { readBody } from '../body';
import type { ServerDeps } from '../context';

/** Largest notification body accepted, in bytes (MinIO and S3 send one event per request). */
const maxHookBodyBytes = 1024 * 1024;

/** POST /hooks/storage: object notifications from S3 (direct or via SNS), MinIO and Ceph RGW. */
export function hookRoutes(deps: ServerDeps, triggers: StorageTriggers, hookToken: string | undefined): Hono {
  const app = new Hono();
  // MinIO checks that the endpoint is up before it sends events.
  app.on(['GET', 'HEAD'], '/hooks/storage', (c) => c.body(null, 200));

  app.post('/hooks/storage', async (c) => {
    let body: Buffer;
    try {
      body = await readBody(c, maxHookBodyBytes, 'StorageNotification');
    } catch (e) {
      if (e instanceof LambdaError && e.status === 413) return c.json({ message: e.message }, 413);
      throw e;
    }
    const remote = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
    const auth = checkHookAuth(
      hookToken,
      { authorization: c.req.header('authorization'), signature: c.req.header('x-islet-signature') },
      body,
      remote,
    );
    if (auth === 'missing')
      return c.json({ message: 'a hook token is required: Authorization: Bearer or X-Islet-Signature' }, 401);
    if (auth === 'invalid') {
      return c.json(
        {
          message: hookToken
            ? 'the hook credential is not valid'
            : 'without --hook-token only loopback senders are accepted',
        },
        403,
      );
    }
    let notification: ReturnType<typeof parseStorageNotification>;
    try {
      notification = parseStorageNotification(body.toString('utf8'), c.req.header('x-amz-sns-message-type'));
    } catch (e) {
      if (e instanceof BadNotificationError)
        return c.json({ message: `not a storage notification: ${e.message}` }, 400);
      throw e;
    }
    if (notification.kind === 'probe')
      return c.json({ queued: 0, duplicates: 0, unmatched: 0, denied: 0, missing: 0 });
    if (notification.kind === 'subscription-confirmation') {
      const confirmation = await confirmSubscription(notification.subscribeUrl);
      if (!confirmation.ok) {
        deps.logger.warn('hook.sns_confirmation_failed', {
          topicArn: notification.topicArn,
          status: confirmation.status,
        });
        return c.json({ message: 'could not confirm the SNS subscription' }, 502);
      }
      deps.logger.info('hook.sns_confirmed', { topicArn: notification.topicArn });
      return c.json({ confirmed: notification.topicArn });
    }
    const report = await triggers.dispatch(notification.records);
    return c.json(report);
  });
  return app;
}
