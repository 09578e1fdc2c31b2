/** Prices and the monthly free tier. Defaults: AWS Lambda's launch prices (2014). */
export interface Prices {
  /** USD per million requests (launch: 0.20). */
  perMillionRequests: number;
  /** USD per GB-second of billed duration (launch: 0.00001667). */
  perGbSecond: number;
  /** Requests free each calendar month, account-wide (launch: 1,000,000). */
  freeRequestsPerMonth: number;
  /** GB-seconds free each calendar month, account-wide (launch: 400,000). */
  freeGbSecondsPerMonth: number;
}

export const launchPrices: Prices = {
  perMillionRequests: 0.2,
  perGbSecond: 0.00001667,
  freeRequestsPerMonth: 1_000_000,
  freeGbSecondsPerMonth: 400_000,
};

/** One function's usage on one UTC day. */
export interface DailyUsage {
  functionName: string;
  /** Start of the UTC day, epoch ms. */
  day: number;
  requests: number;
  billedMs: number;
  gbSeconds: number;
  cpuMs: number;
}

/** A ledger line: usage, its price, the free tier it used and what is left to pay. */
export interface LedgerLine extends DailyUsage {
  requestCost: number;
  computeCost: number;
  /** Requests and GB-seconds of this line covered by the month's free tier. */
  freeRequests: number;
  freeGbSeconds: number;
  /** USD owed after the free tier. */
  cost: number;
}

/**
 * Prices usage lines (sorted by day, then function) with the account-wide monthly free tier
 * consumed in that order, as a bill would: the first usage of a month is free until the tier runs
 * out. The ledger's costs sum to the account's bill.
 */
export function priceLedger(usage: DailyUsage[], prices: Prices): LedgerLine[] {
  const sorted = [...usage].sort((a, b) => a.day - b.day || a.functionName.localeCompare(b.functionName));
  let month = '';
  let freeRequestsLeft = 0;
  let freeGbSecondsLeft = 0;
  return sorted.map((u) => {
    const m = new Date(u.day).toISOString().slice(0, 7);
    if (m !== month) {
      month = m;
      freeRequestsLeft = prices.freeRequestsPerMonth;
      freeGbSecondsLeft = prices.freeGbSecondsPerMonth;
    }
    const freeRequests = Math.min(freeRequestsLeft, u.requests);
    const freeGbSeconds = Math.min(freeGbSecondsLeft, u.gbSeconds);
    freeRequestsLeft -= freeRequests;
    freeGbSecondsLeft -= freeGbSeconds;
    const requestCost = (u.requests / 1_000_000) * prices.perMillionRequests;
    const computeCost = u.gbSeconds * prices.perGbSecond;
    const cost =
      ((u.requests - freeRequests) / 1_000_000) * prices.perMillionRequests +
      (u.gbSeconds - freeGbSeconds) * prices.perGbSecond;
    return { ...u, requestCost, computeCost, freeRequests, freeGbSeconds, cost };
  });
}

/** The ledger as CSV (RFC 4180), one line per function per day, costs in USD. */
export function ledgerCsv(lines: LedgerLine[]): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const rows = [
    'date,function,requests,billed_duration_ms,gb_seconds,cpu_time_ms,request_cost_usd,compute_cost_usd,free_requests,free_gb_seconds,cost_usd',
  ];
  for (const l of lines) {
    rows.push(
      [
        new Date(l.day).toISOString().slice(0, 10),
        quote(l.functionName),
        l.requests,
        l.billedMs,
        l.gbSeconds.toFixed(6),
        l.cpuMs.toFixed(3),
        l.requestCost.toFixed(8),
        l.computeCost.toFixed(8),
        l.freeRequests,
        l.freeGbSeconds.toFixed(6),
        l.cost.toFixed(8),
      ].join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}
