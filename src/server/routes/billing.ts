import { Hono } from 'hono';
import { InvalidParameterValueError } from '../../errors';
import { ledgerCsv } from '../../telemetry/billing';
import type { ServerDeps } from '../context';

/** A YYYY-MM-DD date as the start of that UTC day, or the fallback when absent. */
function dayParam(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidParameterValueError(`${name} must be a date as YYYY-MM-DD`);
  return ms;
}

/** The billing ledger: GET /islet/billing?from=YYYY-MM-DD&to=YYYY-MM-DD&function=NAME&format=json|csv. */
export function billingRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  app.get('/islet/billing', (c) => {
    const now = new Date();
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const from = dayParam(c.req.query('from'), 'from', monthStart);
    // `to` names the last day included.
    const to =
      dayParam(c.req.query('to'), 'to', Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) +
      86_400_000;
    if (to <= from) throw new InvalidParameterValueError('to must not be before from');
    if (to - from > 400 * 86_400_000) throw new InvalidParameterValueError('at most 400 days at a time');
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv')
      throw new InvalidParameterValueError('format must be json or csv');
    const fn = c.req.query('function') || undefined;
    const lines = deps.telemetry.ledger(from, to, fn);
    if (format === 'csv') {
      return c.body(ledgerCsv(lines), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="islet-billing-${new Date(from).toISOString().slice(0, 10)}.csv"`,
      });
    }
    const sum = (f: (l: (typeof lines)[number]) => number) => lines.reduce((s, l) => s + f(l), 0);
    return c.json({
      from: new Date(from).toISOString().slice(0, 10),
      to: new Date(to - 86_400_000).toISOString().slice(0, 10),
      currency: 'USD',
      prices: deps.telemetry.prices,
      lines: lines.map((l) => ({ ...l, date: new Date(l.day).toISOString().slice(0, 10) })),
      totals: {
        requests: sum((l) => l.requests),
        billedDurationMs: sum((l) => l.billedMs),
        gbSeconds: sum((l) => l.gbSeconds),
        cpuTimeMs: sum((l) => l.cpuMs),
        grossCost: sum((l) => l.requestCost + l.computeCost),
        cost: sum((l) => l.cost),
      },
    });
  });
  return app;
}
