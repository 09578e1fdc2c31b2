/** How the CLI commands reach a running islet and print what they get. */

/** The --endpoint option every client command takes. */
export const endpointOption = [
  '--endpoint <url>',
  'islet URL (env ISLET_ENDPOINT; default http://127.0.0.1:4000)',
] as const;

/** Where the CLI finds a running islet: --endpoint, ISLET_ENDPOINT, or the default address. */
export function endpointOf(opts: { endpoint?: string }): string {
  return (opts.endpoint ?? process.env.ISLET_ENDPOINT ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
}

/** fetch, exiting with a message that says what to do when the server cannot be reached. */
export async function call(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    console.error(
      `islet: cannot reach ${new URL(url).origin} (${(e as Error).message}); is the server running? Use --endpoint URL or ISLET_ENDPOINT`,
    );
    process.exit(1);
  }
}

/** Prints an API error response and exits with status 1. */
export async function fail(res: Response): Promise<never> {
  const body = (await res.json().catch(() => ({}))) as { message?: string; Message?: string };
  console.error(
    `islet: ${res.headers.get('x-amzn-ErrorType') ?? res.status}: ${body.message ?? body.Message ?? res.statusText}`,
  );
  process.exit(1);
}

/** Prints rows as an aligned text table under a header. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows]) {
    process.stdout.write(
      `${r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
