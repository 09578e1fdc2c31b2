import type { Command } from 'commander';
import type { ApiOptions } from './api';
import { endpointOption } from './http';
import { ApiError, callOperation, functionExists, parseDuration, reportingErrors } from './observe-api';

/** One event as FilterLogEvents answers it. */
interface FilteredEvent {
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

interface StreamInfo {
  logStreamName: string;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes?: number;
}

/** How often --follow asks for new events, ms. */
const followPollMs = 1000;
/** Events are read again from this long before the last one seen, so late writes are not missed. */
const followSlackMs = 5000;

interface LogsOptions extends ApiOptions {
  since: string;
  follow?: boolean;
  filter?: string;
}

/** Every page of FilterLogEvents for a query. */
async function filterAll(opts: ApiOptions, input: Record<string, unknown>): Promise<FilteredEvent[]> {
  const events: FilteredEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callOperation<{ events?: FilteredEvent[]; nextToken?: string }>(
      opts,
      'logs',
      'FilterLogEvents',
      { ...input, nextToken },
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

function print(events: FilteredEvent[], json: boolean | undefined): void {
  for (const e of events) {
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ timestamp: new Date(e.timestamp).toISOString(), logStreamName: e.logStreamName, message: e.message, eventId: e.eventId })}\n`,
      );
    } else process.stdout.write(e.message.endsWith('\n') ? e.message : `${e.message}\n`);
  }
}

/**
 * Streams whose events changed since the last look, newest first. Stops paging at streams whose
 * last event is older than `sinceMs`.
 */
async function changedStreams(
  opts: ApiOptions,
  group: string,
  sinceMs: number,
  known: Map<string, string>,
): Promise<string[]> {
  const changed: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callOperation<{ logStreams?: StreamInfo[]; nextToken?: string }>(
      opts,
      'logs',
      'DescribeLogStreams',
      { logGroupName: group, orderBy: 'LastEventTime', descending: true, nextToken },
    );
    for (const s of page.logStreams ?? []) {
      if ((s.lastEventTimestamp ?? 0) < sinceMs) return changed;
      const mark = `${s.lastIngestionTime}/${s.storedBytes}`;
      if (known.get(s.logStreamName) !== mark) {
        known.set(s.logStreamName, mark);
        changed.push(s.logStreamName);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return changed;
}

/** `islet logs NAME`: a function's log events from CloudWatch Logs, optionally followed. */
async function showLogs(name: string, opts: LogsOptions): Promise<void> {
  // `islet logs F | head` closes the pipe early: that ends the command, quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const sinceMs = parseDuration(opts.since);
  if (sinceMs === undefined) {
    console.error(`islet: invalid --since '${opts.since}' (expected a duration such as 30s, 10m, 2h or 7d)`);
    process.exit(2);
  }
  const group = `/aws/lambda/${name}`;
  const startTime = Date.now() - sinceMs;
  const pattern = opts.filter ? { filterPattern: opts.filter } : {};
  let first: FilteredEvent[] = [];
  let hasGroup = true;
  try {
    first = await filterAll(opts, { logGroupName: group, startTime, ...pattern });
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'ResourceNotFoundException') throw e;
    if (!(await functionExists(opts, name)))
      throw new ApiError('ResourceNotFoundException', `Function not found: ${name}`);
    hasGroup = false; // the function has not logged yet
  }
  print(first, opts.json);
  if (!opts.follow) return;

  // Follow: look at the streams that changed, read each from just before its last event seen.
  const known = new Map<string, string>();
  const seen = new Map<string, { eventId: string; timestamp: number }>();
  const remember = (events: FilteredEvent[]) => {
    for (const e of events) {
      const s = seen.get(e.logStreamName);
      if (!s || e.eventId > s.eventId)
        seen.set(e.logStreamName, { eventId: e.eventId, timestamp: e.timestamp });
    }
  };
  remember(first);
  let lastLook = startTime;
  for (;;) {
    await new Promise((r) => setTimeout(r, followPollMs));
    const lookAt = Date.now();
    let streams: string[];
    try {
      streams = await changedStreams(opts, group, Math.min(lastLook, lookAt) - followSlackMs, known);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'ResourceNotFoundException' && !hasGroup) continue;
      throw e;
    }
    hasGroup = true;
    lastLook = lookAt;
    const fresh: FilteredEvent[] = [];
    for (const stream of streams) {
      const after = seen.get(stream);
      const events = await filterAll(opts, {
        logGroupName: group,
        logStreamNames: [stream],
        startTime: after ? Math.max(startTime, after.timestamp - followSlackMs) : startTime,
        ...pattern,
      });
      fresh.push(...events.filter((e) => !after || e.eventId > after.eventId));
    }
    fresh.sort((a, b) => a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : 1));
    print(fresh, opts.json);
    remember(fresh);
  }
}

/** Registers `islet logs`. */
export function logsCommand(program: Command): void {
  program
    .command('logs')
    .argument('<function>', 'function name')
    .description("print a function's log events (CloudWatch Logs group /aws/lambda/NAME)")
    .option('--since <duration>', 'how far back to start: 30s, 10m, 2h, 7d', '10m')
    .option('--follow', 'keep printing new events as they arrive (Ctrl-C to stop)')
    .option('--filter <pattern>', 'CloudWatch filter pattern: terms, "phrases", -exclusions, ?alternatives')
    .option(...endpointOption)
    .option('--json', 'one JSON object per event and line')
    .action((name: string, opts: LogsOptions) => reportingErrors(() => showLogs(name, opts)));
}
