/**
 * EventBridge schedule expressions: `rate(5 minutes)` and `cron(0 12 * * ? *)` (minutes, hours,
 * day-of-month, month, day-of-week, year; UTC). `L`, `W` and `#` are not supported yet and are
 * refused with a clear message.
 */
export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number> | 'any';
  months: Set<number>;
  weekdays: Set<number> | 'any';
  years: Set<number> | 'any';
}

/** An expression islet cannot read; the message says what is wrong. */
export class ScheduleExpressionError extends Error {}

const units: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function field(text: string, min: number, max: number, names?: string[], offset = 0): Set<number> {
  const out = new Set<number>();
  const value = (s: string) => {
    const named = names?.indexOf(s.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + offset : Number(s);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ScheduleExpressionError(`'${s}' is out of range ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    if (/[LW#]/.test(part))
      throw new ScheduleExpressionError(`'${part}': L, W and # are not supported by islet yet`);
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new ScheduleExpressionError(`'${part}' has an invalid step`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a), value(b)];
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo > hi) throw new ScheduleExpressionError(`'${part}' is an empty range`);
    for (let n = lo; n <= hi; n += step) out.add(n);
  }
  return out;
}

/** Parses a schedule expression; throws ScheduleExpressionError. */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2].replace(/s$/, '');
    if (n < 1) throw new ScheduleExpressionError('the rate must be a positive whole number');
    if ((n === 1) !== (rate[2] === unit)) {
      throw new ScheduleExpressionError(
        `use '${n} ${n === 1 ? unit : `${unit}s`}' (singular for 1, plural otherwise)`,
      );
    }
    return { kind: 'rate', everyMs: n * units[unit] };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron)
    throw new ScheduleExpressionError(
      'expected rate(N unit) or cron(minutes hours day-of-month month day-of-week year)',
    );
  const parts = cron[1].trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleExpressionError('a cron expression has six fields');
  const [mi, h, dom, mon, dow, yr] = parts;
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError('exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    kind: 'cron',
    fields: {
      minutes: field(mi, 0, 59),
      hours: field(h, 0, 23),
      days: dom === '?' ? 'any' : field(dom, 1, 31),
      months: field(mon, 1, 12, monthNames, 1),
      weekdays: dow === '?' ? 'any' : field(dow, 1, 7, dayNames, 1),
      years: yr === '*' ? 'any' : field(yr, 1970, 2199),
    },
  };
}

/** The first tick strictly after `after` (UTC), or undefined if there is none within ~5 years. */
export function nextTick(schedule: Schedule, after: Date, anchor: Date): Date | undefined {
  if (schedule.kind === 'rate') {
    const since = after.getTime() - anchor.getTime();
    const n = Math.floor(since / schedule.everyMs) + 1;
    return new Date(anchor.getTime() + Math.max(1, n) * schedule.everyMs);
  }
  const f = schedule.fields;
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() < limit) {
    const dayOk =
      (f.years === 'any' || f.years.has(t.getUTCFullYear())) &&
      f.months.has(t.getUTCMonth() + 1) &&
      (f.days === 'any' || f.days.has(t.getUTCDate())) &&
      (f.weekdays === 'any' || f.weekdays.has(t.getUTCDay() + 1));
    if (!dayOk) {
      t.setUTCHours(24, 0, 0, 0);
      continue;
    }
    if (!f.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!f.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  return undefined;
}
