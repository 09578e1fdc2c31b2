import { type Context, Hono } from 'hono';
import type { Functions } from '../../control/functions';
import { EventsError, scheduleRuleOperations } from '../../control/schedule-rules';
import type { Scheduler } from '../../events/scheduler';
import type { Logger } from '../../logger';
import type { RuleStore } from '../../store/rule-store';
import { dispatch, type Operation, type Service } from '../protocols/dispatch';
import { awsJson, plainErrorNames } from '../protocols/json-rpc';

const targetPrefix = 'AWSEvents.';

const faults: Omit<Service, 'operations'> = {
  faultOf: (e) => (e instanceof EventsError ? { code: e.type, message: e.message, status: 400 } : undefined),
  unknownOperation: (name) => ({
    code: 'UnknownOperationException',
    message: `islet does not support the EventBridge operation ${name.slice(0, 80)}`,
    status: 400,
  }),
  internal: (reference) => ({
    code: 'InternalException',
    message: `Internal error; reference = ${reference}`,
    status: 500,
  }),
};

/**
 * The EventBridge subset for schedules (JSON 1.1, `X-Amz-Target: AWSEvents.*`), so
 * `aws events put-rule --schedule-expression ...` and `put-targets` work against islet:
 * PutRule, DescribeRule, DeleteRule, ListRules, EnableRule, DisableRule, PutTargets,
 * RemoveTargets, ListTargetsByRule. Rules on the default bus with a ScheduleExpression only.
 */
export function eventBridgeRoutes(
  rules: RuleStore,
  scheduler: Scheduler,
  functions: Functions,
  logger: Logger,
): Hono {
  const app = new Hono({ strict: false });
  const operations = scheduleRuleOperations(rules, scheduler, functions) as Record<string, Operation>;
  const codec = awsJson('1.1', {}, plainErrorNames);
  app.post('/', (c: Context) => {
    const target = c.req.header('x-amz-target') ?? '';
    // A target of another service names no operation here.
    return target.startsWith(targetPrefix)
      ? dispatch(c, codec, target.slice(targetPrefix.length), { operations, ...faults }, logger)
      : dispatch(c, codec, target, { operations: {}, ...faults }, logger);
  });
  return app;
}
