import { type Context, Hono } from 'hono';
import type { Functions } from '../../control/functions';
import { EventsError, scheduleRuleOperations } from '../../control/schedule-rules';
import type { Scheduler } from '../../events/scheduler';
import { limits } from '../../limits';
import type { RuleStore } from '../../store/rule-store';
import { readBody } from '../body';

/**
 * The EventBridge subset for schedules (JSON 1.1, `X-Amz-Target: AWSEvents.*`), so
 * `aws events put-rule --schedule-expression ...` and `put-targets` work against islet:
 * PutRule, DescribeRule, DeleteRule, ListRules, EnableRule, DisableRule, PutTargets,
 * RemoveTargets, ListTargetsByRule. Rules on the default bus with a ScheduleExpression only.
 */
export function eventBridgeRoutes(rules: RuleStore, scheduler: Scheduler, functions: Functions): Hono {
  const app = new Hono({ strict: false });
  const operations = scheduleRuleOperations(rules, scheduler, functions);
  app.post('/', async (c: Context) => {
    const target = c.req.header('x-amz-target') ?? '';
    const op = operations[target.replace(/^AWSEvents\./, '')];
    const reply = (status: number, body: unknown) =>
      c.body(JSON.stringify(body), status as 200, { 'Content-Type': 'application/x-amz-json-1.1' });
    if (!target.startsWith('AWSEvents.') || !op) {
      return reply(400, {
        __type: 'UnknownOperationException',
        message: `islet does not support ${target.slice(0, 80)}`,
      });
    }
    try {
      const text = (await readBody(c, limits.maxControlRequestBytes, target)).toString('utf8');
      const input = text ? JSON.parse(text) : {};
      return reply(200, op(input ?? {}));
    } catch (e) {
      if (e instanceof EventsError) return reply(400, { __type: e.type, message: e.message });
      if (e instanceof SyntaxError)
        return reply(400, { __type: 'SerializationException', message: 'the body is not valid JSON' });
      throw e;
    }
  });
  return app;
}
