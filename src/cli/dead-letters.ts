import type { Command } from 'commander';
import { apiCall } from './api';
import { endpointOption, fail, printTable } from './http';

/** `islet dead-letters list|redrive`: failed asynchronous events without a destination. */
export function deadLetterCommands(program: Command): void {
  const dl = program
    .command('dead-letters')
    .description('failed asynchronous events (no OnFailure destination)');
  dl.command('list')
    .description('list dead letters, oldest id first')
    .option('--function <name>', 'only this function')
    .option(...endpointOption)
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { function?: string; endpoint?: string; json?: boolean }) => {
      const query = opts.function ? `?FunctionName=${encodeURIComponent(opts.function)}` : '';
      const res = await apiCall(opts, 'GET', `/islet/dead-letters${query}`);
      if (!res.ok) await fail(res);
      const { DeadLetters } = (await res.json()) as {
        DeadLetters: Array<{
          EventId: string;
          FunctionName: string;
          EnqueuedAt: string;
          ApproximateInvokeCount: number;
          Record?: any;
        }>;
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(DeadLetters, null, 2)}\n`);
        return;
      }
      if (DeadLetters.length === 0) {
        process.stdout.write('no dead letters\n');
        return;
      }
      const rows = DeadLetters.map((d) => [
        d.EventId,
        d.FunctionName,
        d.EnqueuedAt,
        String(d.ApproximateInvokeCount),
        String(d.Record?.requestContext?.condition ?? ''),
        String(d.Record?.responsePayload?.errorMessage ?? '').slice(0, 60),
      ]);
      printTable(['EVENT ID', 'FUNCTION', 'ENQUEUED', 'TRIES', 'CONDITION', 'ERROR'], rows);
    });
  dl.command('redrive')
    .argument('<event-id>', 'the dead letter to run again')
    .description('put a dead letter back in the queue')
    .option(...endpointOption)
    .action(async (id: string, opts: { endpoint?: string }) => {
      const res = await apiCall(opts, 'POST', `/islet/dead-letters/${encodeURIComponent(id)}/redrive`);
      if (!res.ok) await fail(res);
      process.stdout.write(`queued ${id} again\n`);
    });
}
