import type { Command } from 'commander';
import { apiCall } from './api';
import { endpointOption, fail, printTable } from './http';

interface Ledger {
  from: string;
  to: string;
  lines: Array<{
    date: string;
    functionName: string;
    requests: number;
    gbSeconds: number;
    cpuMs: number;
    requestCost: number;
    computeCost: number;
    cost: number;
  }>;
  totals: { requests: number; gbSeconds: number; grossCost: number; cost: number };
}

const usd = (n: number) => `$${n.toFixed(n !== 0 && n < 0.01 ? 6 : 2)}`;

/** `islet billing`: the ledger per function per day, with the free tier applied. */
export function billingCommand(program: Command): void {
  program
    .command('billing')
    .description('usage and cost per function per day (this month by default)')
    .option('--from <date>', 'first day, YYYY-MM-DD (default: start of this month)')
    .option('--to <date>', 'last day, YYYY-MM-DD (default: today)')
    .option('--function <name>', 'only this function')
    .option('--csv', 'print the ledger as CSV (for spreadsheets)')
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(
      async (opts: {
        from?: string;
        to?: string;
        function?: string;
        csv?: boolean;
        json?: boolean;
        endpoint?: string;
      }) => {
        const q = new URLSearchParams();
        if (opts.from) q.set('from', opts.from);
        if (opts.to) q.set('to', opts.to);
        if (opts.function) q.set('function', opts.function);
        if (opts.csv) q.set('format', 'csv');
        const res = await apiCall(opts, 'GET', `/islet/billing?${q}`);
        if (!res.ok) await fail(res);
        if (opts.csv) {
          process.stdout.write(await res.text());
          return;
        }
        const ledger = (await res.json()) as Ledger;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(ledger, null, 2)}\n`);
          return;
        }
        process.stdout.write(`billing ${ledger.from} .. ${ledger.to} (USD, free tier applied)\n`);
        printTable(
          ['DATE', 'FUNCTION', 'REQUESTS', 'GB-SECONDS', 'GROSS', 'COST'],
          ledger.lines.map((l) => [
            l.date,
            l.functionName,
            String(l.requests),
            l.gbSeconds.toFixed(3),
            usd(l.requestCost + l.computeCost),
            usd(l.cost),
          ]),
        );
        const t = ledger.totals;
        process.stdout.write(
          `total: ${t.requests} requests, ${t.gbSeconds.toFixed(3)} GB-s, gross ${usd(t.grossCost)}, cost ${usd(t.cost)}\n`,
        );
      },
    );
}
