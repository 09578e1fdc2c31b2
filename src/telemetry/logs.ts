import type { Logger } from '../logger';
import type { LogRecord, LogStore } from '../store/log-store';

/** One CloudWatch Logs event: a console call or a START/END/REPORT line. */
export interface LogEvent {
  timestamp: number;
  message: string;
}

/** Where a log line starts a new event (anything else continues the previous one). */
const eventStart =
  /^(?:(?:START|END|REPORT|INIT_START) |(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t|\[islet\] )/;

/**
 * Splits an invocation's log into events as Lambda emits them: each console call (which may
 * span lines) and each platform line is one event. Console lines carry their own timestamp;
 * START takes the invocation's start, the rest its end.
 */
export function splitEvents(record: Pick<LogRecord, 'text' | 'firstMs' | 'lastMs'>): LogEvent[] {
  const events: LogEvent[] = [];
  const lines = record.text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  // The start is derived from the duration, measured in the executor; a console line stamped
  // earlier than that (the hop back to the front takes a moment) moves it back, so START comes first.
  let firstMs = record.firstMs;
  for (const line of lines) {
    const ts = eventStart.exec(line)?.[1];
    if (ts) firstMs = Math.min(firstMs, Date.parse(ts) || firstMs);
  }
  for (const line of lines) {
    const m = eventStart.exec(line);
    const last = events[events.length - 1];
    if (!m && last) {
      last.message += `${line}\n`;
      continue;
    }
    const ts = m?.[1] ? Date.parse(m[1]) : line.startsWith('START ') ? firstMs : record.lastMs;
    events.push({ timestamp: Number.isNaN(ts) ? record.lastMs : ts, message: `${line}\n` });
  }
  return events;
}

/** Retention settings of invocation logs. */
export interface LogOptions {
  /** Days kept when a group sets no retention of its own. */
  retentionDays: number;
  /** Bytes kept per function; the oldest go first beyond it. */
  maxBytesPerFunction: number;
}

/**
 * Keeps every invocation's log as log group /aws/lambda/NAME, one stream per execution
 * environment. Recording only queues; records are written in batches a moment later.
 */
export class LogRecorder {
  private pending: Array<Omit<LogRecord, 'id'>> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly store: LogStore,
    private readonly options: LogOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), 3_600_000);
    this.pruneTimer.unref();
  }

  stop(): void {
    clearInterval(this.pruneTimer);
    clearTimeout(this.flushTimer);
    this.flush();
  }

  /** One invocation's log. */
  record(functionName: string, stream: string, requestId: string, text: string, durationMs: number): void {
    if (!text) return;
    const lastMs = this.clock();
    this.pending.push({
      functionName,
      stream,
      requestId,
      text,
      firstMs: Math.floor(lastMs - durationMs),
      lastMs,
    });
    if (this.pending.length === 1) {
      this.flushTimer = setTimeout(() => this.flush(), 100);
      this.flushTimer.unref();
    }
  }

  /** Writes queued records now (readers call this first, so they see every finished invocation). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    clearTimeout(this.flushTimer);
    try {
      this.store.add(batch);
    } catch (e) {
      this.logger.error('logs.flush_failed', { error: (e as Error).message, records: batch.length });
    }
  }

  private prune(): void {
    try {
      this.flush();
      const removed = this.store.prune(
        this.clock(),
        this.options.retentionDays,
        this.options.maxBytesPerFunction,
      );
      if (removed) this.logger.info('logs.pruned', { records: removed });
    } catch (e) {
      this.logger.error('logs.prune_failed', { error: (e as Error).message });
    }
  }
}
