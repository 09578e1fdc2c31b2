import { describe, expect, it } from 'vitest';
import { nextTick, parseSchedule, ScheduleExpressionError } from './schedule-expression';

const at = (s: string) => new Date(s);

describe('schedule expressions', () => {
  it('rate(N unit) ticks every N units from its anchor', () => {
    const s = parseSchedule('rate(5 minutes)');
    expect(nextTick(s, at('2026-01-01T00:07:00Z'), at('2026-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-01-01T00:10:00.000Z',
    );
    expect(parseSchedule('rate(1 hour)')).toEqual({ kind: 'rate', everyMs: 3_600_000 });
  });

  it('cron(0 12 * * ? *) ticks at noon UTC every day', () => {
    const s = parseSchedule('cron(0 12 * * ? *)');
    expect(nextTick(s, at('2026-03-01T12:00:00Z'), at('2026-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-03-02T12:00:00.000Z',
    );
  });

  it('supports lists, ranges, steps and names', () => {
    const weekdays = parseSchedule('cron(0/15 8-9 ? * MON-FRI *)');
    // 2026-11-28 is a Saturday: the next tick is Monday 08:00.
    expect(nextTick(weekdays, at('2026-11-27T09:50:00Z'), at('2026-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
    const yearly = parseSchedule('cron(30 1 1 JAN ? 2027)');
    expect(nextTick(yearly, at('2026-11-27T00:00:00Z'), at('2026-01-01T00:00:00Z'))?.toISOString()).toBe(
      '2027-01-01T01:30:00.000Z',
    );
    expect(nextTick(yearly, at('2027-01-02T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('refuses malformed expressions with a reason', () => {
    for (const bad of [
      'rate(0 minutes)',
      'rate(5 minute)',
      'rate(1 minutes)',
      'cron(0 12 * * * *)',
      'cron(0 12 * *)',
      'cron(61 * * * ? *)',
      'cron(0 12 L * ? *)',
      'every day',
    ]) {
      expect(() => parseSchedule(bad), bad).toThrowError(ScheduleExpressionError);
    }
  });
});
