import { Hono } from 'hono';
import type { BucketNotifications } from '../control/notifications';
import { UnknownOperationError } from '../errors';
import type { Scheduler } from '../events/scheduler';
import type { StorageTriggers } from '../events/triggers';
import type { CodeStore } from '../store/code-store';
import type { RuleStore } from '../store/rule-store';
import type { ApiAuth } from './auth';
import type { ServerDeps } from './context';
import { errorResponse, onError } from './on-error';
import { asyncRoutes } from './routes/async';
import { billingRoutes } from './routes/billing';
import { cloudWatchRoutes } from './routes/cloudwatch';
import { codeRoutes } from './routes/code';
import { consoleRoutes } from './routes/console';
import { dynamodbRoutes } from './routes/dynamodb';
import { eventSourceMappingRoutes } from './routes/event-source-mappings';
import { eventBridgeRoutes } from './routes/eventbridge';
import { functionUrlRoutes } from './routes/function-urls';
import { functionRoutes } from './routes/functions';
import { hookRoutes } from './routes/hooks';
import { iamRoutes } from './routes/iam';
import { invokeRoutes } from './routes/invoke';
import { logsRoutes } from './routes/logs';
import { prometheusRoutes } from './routes/metrics';
import { policyRoutes } from './routes/policy';
import { s3Routes } from './routes/s3';
import type { S3Deps } from './routes/s3-call';
import { triggerRoutes } from './routes/triggers';
import { signingService, unsignedService } from './signing';

/** The HTTP surface: islet's own routes, then the Lambda REST API. Translation only. */
export function createApp(
  deps: ServerDeps,
  code: CodeStore,
  events: {
    triggers: StorageTriggers;
    notifications: BucketNotifications;
    hookToken?: string;
    rules: RuleStore;
    scheduler: Scheduler;
    /** The embedded S3 store (absent: islet's S3 API answers bucket notifications only). */
    objectStorage?: Omit<S3Deps, 'notifications'>;
  },
  /** Signature checks and authorisation of API calls (absent: every request is accepted). */
  auth?: ApiAuth,
): Hono {
  const app = new Hono({ strict: false });
  const s3 = s3Routes(events.notifications, events.objectStorage, deps.logger);
  const eventBridge = eventBridgeRoutes(events.rules, events.scheduler, deps.functions, deps.logger);
  const logs = logsRoutes(deps);
  const cloudWatch = cloudWatchRoutes(deps);
  const iam = deps.identities ? iamRoutes(deps.identities, deps.logger) : undefined;
  const dynamodb = deps.tables ? dynamodbRoutes(deps.tables, deps.logger) : undefined;
  // While draining, every response closes its connection so keep-alive clients let go.
  app.use(async (c, next) => {
    await next();
    if (!deps.accepting()) c.header('Connection', 'close');
  });
  if (auth) app.use(auth.middleware());
  // Requests signed for another AWS service than Lambda go to that service's routes.
  app.use(async (c, next) => {
    const service =
      signingService(c.req.header('authorization'), c.req.query('X-Amz-Credential')) ??
      unsignedService(c.req.header('x-amz-target'), c.req.path);
    if (service === 's3') return s3.fetch(c.req.raw, c.env);
    if (service === 'events') return eventBridge.fetch(c.req.raw, c.env);
    if (service === 'logs') return logs.fetch(c.req.raw, c.env);
    if (service === 'monitoring') return cloudWatch.fetch(c.req.raw, c.env);
    if (service === 'iam' && iam) return iam.fetch(c.req.raw, c.env);
    if (service === 'dynamodb' && dynamodb) return dynamodb.fetch(c.req.raw, c.env);
    await next();
  });
  app.route('/', hookRoutes(deps, events.triggers, events.hookToken));
  app.get('/healthz', (c) =>
    c.json({ status: deps.accepting() ? 'ok' : 'stopping' }, deps.accepting() ? 200 : 503),
  );
  app.route('/', prometheusRoutes(deps));
  app.route('/', billingRoutes(deps));
  app.route('/', consoleRoutes(deps));
  app.route('/', triggerRoutes(deps, events.notifications, events.rules, events.scheduler));
  app.route('/', codeRoutes(deps, code));
  app.route('/', functionUrlRoutes(deps, auth?.functionUrl));
  app.route('/', invokeRoutes(deps));
  app.route('/', asyncRoutes(deps));
  app.route('/', policyRoutes(deps));
  app.route('/', eventSourceMappingRoutes(deps));
  app.route('/', functionRoutes(deps));
  app.notFound((c) =>
    errorResponse(
      c,
      new UnknownOperationError(`Unknown operation: ${c.req.method} ${c.req.path.slice(0, 200)}`),
    ),
  );
  app.onError(onError(deps.logger));
  return app;
}
