import { describe, expect, it } from 'vitest';
import { type DailyUsage, launchPrices, ledgerCsv, priceLedger } from './billing';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const usage = (fn: string, date: string, requests: number, gbSeconds: number): DailyUsage => ({
  functionName: fn,
  day: day(date),
  requests,
  billedMs: gbSeconds * 1000,
  gbSeconds,
  cpuMs: 1,
});

describe('billing ledger', () => {
  it('uses the monthly free tier account-wide, in order, and resets it each month', () => {
    const lines = priceLedger(
      [
        usage('b', '2026-01-01', 600_000, 300_000),
        usage('a', '2026-01-01', 600_000, 50_000),
        usage('a', '2026-01-02', 1_000_000, 100_000),
        usage('a', '2026-02-01', 10, 1),
      ],
      launchPrices,
    );
    expect(lines.map((l) => [l.functionName, new Date(l.day).toISOString().slice(0, 10)])).toEqual([
      ['a', '2026-01-01'],
      ['b', '2026-01-01'],
      ['a', '2026-01-02'],
      ['a', '2026-02-01'],
    ]);
    // a (Jan 1) is entirely free; b uses the remaining 400k requests and 350k GB-s.
    expect(lines[0]!.cost).toBe(0);
    expect(lines[1]!.freeRequests).toBe(400_000);
    expect(lines[1]!.cost).toBeCloseTo(0.2 * 0.2, 10);
    // Jan 2: the tier is spent except 50,000 GB-s.
    expect(lines[2]!.freeRequests).toBe(0);
    expect(lines[2]!.freeGbSeconds).toBe(50_000);
    expect(lines[2]!.cost).toBeCloseTo(0.2 + 50_000 * 0.00001667, 8);
    // February starts a new tier.
    expect(lines[3]!.cost).toBe(0);
    // Gross cost ignores the tier.
    expect(lines[2]!.requestCost + lines[2]!.computeCost).toBeCloseTo(0.2 + 100_000 * 0.00001667, 8);
  });

  it('writes CSV with a header and quoted names', () => {
    const csv = ledgerCsv(priceLedger([usage('x,y', '2026-03-04', 1, 0.1)], launchPrices));
    const [header, row] = csv.split('\r\n');
    expect(header).toMatch(/^date,function,requests,/);
    expect(row).toMatch(/^2026-03-04,"x,y",1,100,0\.100000,/);
  });
});
