import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Functions } from '../control/functions';
import { createLogger } from '../logger';
import type { RuleRecord, RuleStore } from '../store/rule-store';
import type { AsyncQueue } from './async-queue';
import { Scheduler } from './scheduler';

const minute = 60_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');

function setup(rule: RuleRecord, allowed = true) {
  const rules = new Map([[rule.name, rule]]);
  const store = {
    get: (n: string) => rules.get(n),
    list: () => [...rules.values()],
    put: (r: RuleRecord) => rules.set(r.name, r),
    delete: (n: string) => rules.delete(n),
  } as unknown as RuleStore;
  const functions = {
    destinationFunction: (arn: string) => arn.split(':').pop(),
    get: () => ({
      policy: allowed
        ? [
            {
              Sid: 's',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'lambda:InvokeFunction',
              Resource: '*',
            },
          ]
        : [],
    }),
  } as unknown as Functions;
  const queued: Array<{ fn: string; event: any; id: string }> = [];
  const queue = {
    enqueue: (fn: string, payload: string, id: string) => {
      queued.push({ fn, event: JSON.parse(payload), id });
      return Promise.resolve({ id, duplicate: false });
    },
  } as unknown as AsyncQueue;
  const scheduler = new Scheduler(
    store,
    functions,
    queue,
    { region: 'us-east-1', accountId: '000000000000' },
    createLogger('error'),
  );
  return { scheduler, queued, rules };
}

const rule = (over: Partial<RuleRecord> = {}): RuleRecord => ({
  name: 'r',
  scheduleExpression: 'rate(5 minutes)',
  state: 'ENABLED',
  description: '',
  targets: [{ id: 't', arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }],
  createdAt: t0,
  ...over,
});

describe('Scheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires ONE catch-up tick, stamped with the latest missed time, for ticks missed while down', async () => {
    vi.setSystemTime(t0 + 63 * minute); // last tick at +10 min; ticks at 15..60 were missed
    const { scheduler, queued, rules } = setup(rule({ lastTickAt: t0 + 10 * minute }));
    scheduler.start();
    expect(queued.map((q) => q.event.time)).toEqual(['2026-01-01T01:00:00Z']);
    await Promise.resolve(); // the tick counts as done once its events are stored
    await Promise.resolve();
    expect(rules.get('r')?.lastTickAt).toBe(t0 + 60 * minute);
    vi.advanceTimersByTime(2 * minute); // the regular tick at +65
    expect(queued.map((q) => q.event.time)).toEqual(['2026-01-01T01:00:00Z', '2026-01-01T01:05:00Z']);
    scheduler.stop();
  });

  it('queues each tick once per target with a stable id, and never for a function that does not allow events', () => {
    vi.setSystemTime(t0 + 4 * minute);
    const a = setup(rule());
    a.scheduler.start();
    vi.advanceTimersByTime(minute);
    expect(a.queued).toHaveLength(1);
    expect(a.queued[0].event.id).toBe(a.queued[0].id);
    a.scheduler.stop();
    vi.setSystemTime(t0 + 4 * minute);
    const b = setup(rule());
    b.scheduler.start();
    vi.advanceTimersByTime(10 * minute);
    expect(b.queued).toHaveLength(2);
    expect(b.queued[0].id).toBe(a.queued[0].id); // same rule, same tick, same target: same id
    b.scheduler.stop();
    const denied = setup(rule(), false);
    denied.scheduler.start();
    vi.advanceTimersByTime(10 * minute);
    expect(denied.queued).toHaveLength(0);
    denied.scheduler.stop();
  });
});
