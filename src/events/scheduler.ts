import { ruleArn } from '../arns';
import type { Functions } from '../control/functions';
import { allowsService } from '../control/policy';
import type { Logger } from '../logger';
import type { RuleRecord, RuleStore } from '../store/rule-store';
import type { AsyncQueue } from './async-queue';
import { nextTick, parseSchedule } from './schedule-expression';
import { buildScheduledEvent } from './shapes/scheduled';
import { stableUuid } from './stable-id';

/**
 * Runs scheduled rules: each tick is an asynchronous invocation of every target (same retries
 * and destinations as any Event invoke), with an id derived from (rule, tick time, target), so a
 * tick is queued once even across restarts.
 *
 * Ticks missed while islet was down: on start, a rule whose last tick is older than its most
 * recent scheduled time gets ONE catch-up tick, stamped with that most recent time; earlier
 * missed ticks are not replayed (a rate(1 minute) rule down for a day would otherwise fire 1,440
 * times at once).
 */
export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: RuleStore,
    private readonly functions: Functions,
    private readonly queue: AsyncQueue,
    private readonly account: { region: string; accountId: string },
    private readonly logger: Logger,
    /** Length of a minute for rate() schedules, in ms: 60000, shorter only to test islet itself. */
    private readonly rateMinuteMs = 60_000,
  ) {}

  ruleArn(name: string): string {
    return ruleArn(this.account, name);
  }

  start(): void {
    for (const rule of this.store.list()) this.arm(rule, true);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** (Re)arms a rule after it was created or changed. */
  refresh(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
    const rule = this.store.get(name);
    if (rule) this.arm(rule, false);
  }

  private arm(rule: RuleRecord, catchUp: boolean): void {
    if (this.stopped || rule.state !== 'ENABLED') return;
    const parsed = parseSchedule(rule.scheduleExpression);
    const schedule =
      parsed.kind === 'rate' ? { ...parsed, everyMs: (parsed.everyMs / 60_000) * this.rateMinuteMs } : parsed;
    const anchor = new Date(rule.createdAt);
    const now = Date.now();
    if (catchUp && rule.lastTickAt !== undefined) {
      let latestMissed: Date | undefined;
      for (
        let t = nextTick(schedule, new Date(rule.lastTickAt), anchor);
        t && t.getTime() <= now;
        t = nextTick(schedule, t, anchor)
      ) {
        latestMissed = t;
        if (schedule.kind === 'rate') {
          // Jump straight to the last due rate tick instead of walking every one.
          const n = Math.floor((now - anchor.getTime()) / schedule.everyMs);
          latestMissed = new Date(anchor.getTime() + n * schedule.everyMs);
          break;
        }
      }
      if (latestMissed) this.fire(rule.name, latestMissed);
    }
    const next = nextTick(schedule, new Date(Math.max(now, rule.lastTickAt ?? 0)), anchor);
    if (!next) return;
    const delay = Math.min(2 ** 31 - 1, Math.max(0, next.getTime() - Date.now()));
    this.timers.set(
      rule.name,
      setTimeout(() => {
        this.timers.delete(rule.name);
        if (next.getTime() <= Date.now()) this.fire(rule.name, next);
        const current = this.store.get(rule.name);
        if (current) this.arm(current, false);
      }, delay),
    );
  }

  /** Queues one tick of a rule for each of its targets; the tick counts as done once all are stored. */
  private fire(name: string, time: Date): void {
    const rule = this.store.get(name);
    if (rule?.state !== 'ENABLED') return;
    const ruleArn = this.ruleArn(name);
    const queued: Array<Promise<unknown>> = [];
    for (const target of rule.targets) {
      const fn = this.functions.destinationFunction(target.arn);
      if (!fn) {
        this.logger.warn('schedule.target_missing', { rule: name, target: target.arn });
        continue;
      }
      if (
        !allowsService(this.functions.get(fn).policy, 'events.amazonaws.com', {
          arn: ruleArn,
          account: this.account.accountId,
        })
      ) {
        this.logger.warn('schedule.denied', { rule: name, function: fn });
        continue;
      }
      const id = stableUuid(name, String(time.getTime()), target.id);
      const payload =
        target.input ??
        JSON.stringify(
          buildScheduledEvent({
            id,
            account: this.account.accountId,
            region: this.account.region,
            ruleArn,
            time,
          }),
        );
      queued.push(this.queue.enqueue(fn, payload, id));
    }
    // Only once every target's event is stored does the tick count as done: a crash before that
    // leaves lastTickAt behind, and the catch-up tick on restart re-queues it (same ids, no duplicates).
    Promise.all(queued).then(
      () => {
        const current = this.store.get(name);
        if (current)
          this.store.put({ ...current, lastTickAt: Math.max(current.lastTickAt ?? 0, time.getTime()) });
      },
      (e: unknown) =>
        this.logger.error('schedule.enqueue_failed', { rule: name, error: (e as Error).message }),
    );
  }
}
