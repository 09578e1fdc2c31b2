import { Hono } from 'hono';
import { functionArnPattern, latestFunctionName } from '../../control/function-ref';
import type { BucketNotifications } from '../../control/notifications';
import type { Scheduler } from '../../events/scheduler';
import type { RuleStore } from '../../store/rule-store';
import type { ServerDeps } from '../context';

/**
 * GET /islet/functions/{name}/triggers: what invokes a function besides its callers and its event
 * source mappings (those are ListEventSourceMappings): the S3 bucket notifications and the
 * EventBridge schedule rules that target it. Read-only; the console's triggers tab shows it.
 */
export function triggerRoutes(
  deps: ServerDeps,
  notifications: BucketNotifications,
  rules: RuleStore,
  scheduler: Scheduler,
): Hono {
  const app = new Hono();
  const { functions } = deps;
  app.get('/islet/functions/:name/triggers', (c) => {
    const name = latestFunctionName(c.req.param('name'), c.req.query('Qualifier'), (n) => functions.arn(n));
    functions.get(name);
    return c.json({
      FunctionName: name,
      BucketNotifications: notifications.targeting(name).map(({ bucket, config }) => ({
        Bucket: bucket,
        Id: config.id,
        Events: config.events,
        Prefix: config.prefix,
        Suffix: config.suffix,
      })),
      ScheduleRules: rules.list().flatMap((r) =>
        r.targets
          .filter((t) => functionArnPattern.exec(t.arn)?.[1] === name)
          .map((t) => ({
            Name: r.name,
            Arn: scheduler.ruleArn(r.name),
            ScheduleExpression: r.scheduleExpression,
            State: r.state,
            TargetId: t.id,
            Input: t.input,
          })),
      ),
    });
  });
  return app;
}
