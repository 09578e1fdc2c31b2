import type { Command } from 'commander';

/** Where the CLI finds a running islet: --endpoint, ISLET_ENDPOINT, or the default address. */
function endpointOf(opts: { endpoint?: string }): string {
  return (opts.endpoint ?? process.env.ISLET_ENDPOINT ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
}

async function call(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    console.error(
      `islet: cannot reach ${new URL(url).origin} (${(e as Error).message}); is the server running? Use --endpoint URL or ISLET_ENDPOINT`,
    );
    process.exit(1);
  }
}

async function fail(res: Response): Promise<never> {
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  console.error(
    `islet: ${res.headers.get('x-amzn-ErrorType') ?? res.status}: ${body.message ?? res.statusText}`,
  );
  process.exit(1);
}

/** `islet dead-letters list|redrive`: failed asynchronous events without a destination. */
export function deadLetterCommands(program: Command): void {
  const dl = program
    .command('dead-letters')
    .description('failed asynchronous events (no OnFailure destination)');
  dl.command('list')
    .description('list dead letters, oldest id first')
    .option('--function <name>', 'only this function')
    .option('--endpoint <url>', 'islet URL (env ISLET_ENDPOINT; default http://127.0.0.1:4000)')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { function?: string; endpoint?: string; json?: boolean }) => {
      const query = opts.function ? `?FunctionName=${encodeURIComponent(opts.function)}` : '';
      const res = await call(`${endpointOf(opts)}/islet/dead-letters${query}`);
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
      const head = ['EVENT ID', 'FUNCTION', 'ENQUEUED', 'TRIES', 'CONDITION', 'ERROR'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [head, ...rows])
        process.stdout.write(
          `${r
            .map((c, i) => c.padEnd(widths[i]))
            .join('  ')
            .trimEnd()}\n`,
        );
    });
  dl.command('redrive')
    .argument('<event-id>', 'the dead letter to run again')
    .description('put a dead letter back in the queue')
    .option('--endpoint <url>', 'islet URL (env ISLET_ENDPOINT; default http://127.0.0.1:4000)')
    .action(async (id: string, opts: { endpoint?: string }) => {
      const res = await call(`${endpointOf(opts)}/islet/dead-letters/${encodeURIComponent(id)}/redrive`, {
        method: 'POST',
      });
      if (!res.ok) await fail(res);
      process.stdout.write(`queued ${id} again\n`);
    });
}
