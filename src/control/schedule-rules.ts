import { parseSchedule, ScheduleExpressionError } from '../events/schedule-expression';
import type { Scheduler } from '../events/scheduler';
import type { RuleRecord, RuleStore } from '../store/rule-store';
import type { Functions } from './functions';

/** An EventBridge error: `type` is the __type the SDKs turn into an exception class. */
export class EventsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const namePattern = /^[.\-_A-Za-z0-9]{1,64}$/;

/**
 * The schedule-rule operations of EventBridge (PutRule, DescribeRule, DeleteRule, ListRules,
 * EnableRule, DisableRule, PutTargets, RemoveTargets, ListTargetsByRule), keyed by operation
 * name: input and output in the API's JSON shape. Rules live on the default bus and need a
 * ScheduleExpression; every change re-arms the scheduler.
 */
export function scheduleRuleOperations(
  rules: RuleStore,
  scheduler: Scheduler,
  functions: Functions,
): Record<string, (input: Record<string, any>) => unknown> {
  const describe = (r: RuleRecord) => ({
    Name: r.name,
    Arn: scheduler.ruleArn(r.name),
    ScheduleExpression: r.scheduleExpression,
    State: r.state,
    Description: r.description || undefined,
    EventBusName: 'default',
  });
  const find = (name: unknown): RuleRecord => {
    const rule = typeof name === 'string' ? rules.get(name) : undefined;
    if (!rule)
      throw new EventsError('ResourceNotFoundException', `Rule ${String(name).slice(0, 64)} does not exist.`);
    return rule;
  };
  const save = (rule: RuleRecord) => {
    rules.put(rule);
    scheduler.refresh(rule.name);
  };

  const operations: Record<string, (input: Record<string, any>) => unknown> = {
    PutRule(input) {
      const name = input.Name;
      if (typeof name !== 'string' || !namePattern.test(name)) {
        throw new EventsError(
          'ValidationException',
          'Name is required and must match [.\\-_A-Za-z0-9]{1,64}',
        );
      }
      if (input.EventPattern !== undefined)
        throw new EventsError(
          'ValidationException',
          'islet supports schedule rules only (ScheduleExpression)',
        );
      if (input.EventBusName !== undefined && input.EventBusName !== 'default') {
        throw new EventsError('ValidationException', 'islet supports the default event bus only');
      }
      if (typeof input.ScheduleExpression !== 'string')
        throw new EventsError('ValidationException', 'ScheduleExpression is required');
      try {
        parseSchedule(input.ScheduleExpression);
      } catch (e) {
        if (e instanceof ScheduleExpressionError) {
          throw new EventsError(
            'ValidationException',
            `Parameter ScheduleExpression is not valid: ${e.message}`,
          );
        }
        throw e;
      }
      const state = input.State ?? 'ENABLED';
      if (state !== 'ENABLED' && state !== 'DISABLED')
        throw new EventsError('ValidationException', 'State must be ENABLED or DISABLED');
      const existing = rules.get(name);
      const changed = existing?.scheduleExpression !== input.ScheduleExpression;
      save({
        name,
        scheduleExpression: input.ScheduleExpression,
        state,
        description:
          typeof input.Description === 'string'
            ? input.Description.slice(0, 512)
            : (existing?.description ?? ''),
        targets: existing?.targets ?? [],
        createdAt: changed || !existing ? Date.now() : existing.createdAt,
        lastTickAt: changed ? undefined : existing?.lastTickAt,
      });
      return { RuleArn: scheduler.ruleArn(name) };
    },
    DescribeRule: (input) => describe(find(input.Name)),
    ListRules(input) {
      const prefix = typeof input.NamePrefix === 'string' ? input.NamePrefix : '';
      return {
        Rules: rules
          .list()
          .filter((r) => r.name.startsWith(prefix))
          .map(describe),
      };
    },
    DeleteRule(input) {
      const rule = find(input.Name);
      if (rule.targets.length && input.Force !== true)
        throw new EventsError('ValidationException', "Rule can't be deleted since it has targets.");
      rules.delete(rule.name);
      scheduler.refresh(rule.name);
      return {};
    },
    EnableRule(input) {
      save({ ...find(input.Name), state: 'ENABLED' });
      return {};
    },
    DisableRule(input) {
      save({ ...find(input.Name), state: 'DISABLED' });
      return {};
    },
    PutTargets(input) {
      const rule = find(input.Rule);
      const targets = [...rule.targets];
      const failed: Array<Record<string, string>> = [];
      for (const t of (Array.isArray(input.Targets) ? input.Targets : []) as Array<Record<string, unknown>>) {
        if (typeof t.Id !== 'string' || typeof t.Arn !== 'string') {
          failed.push({
            TargetId: String(t.Id ?? ''),
            ErrorCode: 'ValidationException',
            ErrorMessage: 'Id and Arn are required',
          });
          continue;
        }
        if (!functions.destinationFunction(t.Arn)) {
          failed.push({
            TargetId: t.Id,
            ErrorCode: 'ValidationException',
            ErrorMessage: `islet targets existing Lambda functions only: ${t.Arn}`,
          });
          continue;
        }
        if (t.Input !== undefined) {
          try {
            JSON.parse(String(t.Input));
          } catch {
            failed.push({
              TargetId: t.Id,
              ErrorCode: 'ValidationException',
              ErrorMessage: 'Input must be valid JSON',
            });
            continue;
          }
        }
        const target = { id: t.Id, arn: t.Arn, input: t.Input === undefined ? undefined : String(t.Input) };
        const i = targets.findIndex((x) => x.id === t.Id);
        if (i >= 0) targets[i] = target;
        else targets.push(target);
      }
      save({ ...rule, targets });
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },
    RemoveTargets(input) {
      const rule = find(input.Rule);
      const ids = new Set<string>(Array.isArray(input.Ids) ? input.Ids.map(String) : []);
      save({ ...rule, targets: rule.targets.filter((t) => !ids.has(t.id)) });
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule(input) {
      return { Targets: find(input.Rule).targets.map((t) => ({ Id: t.id, Arn: t.arn, Input: t.input })) };
    },
  };
  return operations;
}
