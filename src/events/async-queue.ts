import { randomUUID } from 'node:crypto';
import { ResourceNotFoundError, TooManyRequestsError } from '../errors';
import type { Logger } from '../logger';
import type { InvocationResult } from '../runtime/invocation';
import type { AsyncEventStore, StoredEvent } from '../store/async-store';

/** Per-function settings (PutFunctionEventInvokeConfig), with AWS defaults filled in. */
export interface AsyncSettings {
  functionArn: string;
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

/** What the queue needs from the rest of islet. */
export interface AsyncQueueDeps {
  store: AsyncEventStore;
  /** Runs one attempt; throws TooManyRequestsError when throttled, ResourceNotFoundError when the function is gone. */
  run(event: StoredEvent): Promise<InvocationResult>;
  /** The function's settings, or undefined when it no longer exists. */
  settings(functionName: string): AsyncSettings | undefined;
  /** The function a destination ARN names, if it exists. */
  destinationFunction(arn: string): string | undefined;
  /** An event of the function ended in the dead-letter list. */
  onDeadLetter?(functionName: string): void;
  logger: Logger;
}

/** Timing of retries. */
export interface AsyncQueueOptions {
  /** Delay before the first retry after a function error, in ms (AWS: about 1 minute); doubles after. */
  retryBaseMs: number;
  /** First delay after a throttle or a system error, in ms (AWS: 1 s), doubling up to `throttleMaxDelayMs`. */
  throttleBaseMs: number;
  throttleMaxDelayMs: number;
  /** Attempts running at once. */
  maxInFlight: number;
}

/** How a failed event ended, as Lambda names it in invocation records. */
type Condition = 'RetriesExhausted' | 'EventAgeExceeded';

/**
 * Asynchronous invocation with Lambda's guarantees: an event is acknowledged only once it is in
 * the store; it runs at least once (after a crash or kill -9, events that were running run again
 * with the same id); function errors and timeouts are retried up to MaximumRetryAttempts with
 * backoff; throttles and executor crashes are retried until MaximumEventAgeInSeconds; then the
 * event goes to the on-failure destination function, or to islet's dead-letter list.
 */
export class AsyncQueue {
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = true;
  private pumping = false;
  private pendingInserts: Array<{
    id: string;
    functionName: string;
    payload: string;
    resolve: (r: { id: string; duplicate: boolean }) => void;
    reject: (e: Error) => void;
  }> = [];
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: AsyncQueueDeps,
    private readonly options: AsyncQueueOptions,
  ) {}

  /** Starts delivering (events left from before a restart are due at once). */
  start(): void {
    this.stopped = false;
    this.purge();
    this.pump();
  }

  /** Delivered events are remembered this long (ms) so replays of them are recognised. */
  static readonly rememberDeliveredMs = 24 * 3600_000;

  private purge(): void {
    this.deps.store.purgeDone(Date.now() - AsyncQueue.rememberDeliveredMs);
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    this.purgeTimer = setTimeout(() => this.purge(), 3600_000);
    this.purgeTimer.unref();
  }

  /** Stops starting attempts; attempts already running finish. */
  stop(): void {
    this.stopped = true;
    if (this.purgeTimer) clearTimeout(this.purgeTimer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Durably accepts an event; resolves once it is committed (events accepted in the same turn of
   * the event loop share one commit). A repeated id is a duplicate: accepted, not stored twice.
   */
  enqueue(
    functionName: string,
    payload: string,
    id: string = randomUUID(),
  ): Promise<{ id: string; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.pendingInserts.push({ id, functionName, payload, resolve, reject });
      if (this.pendingInserts.length === 1) setImmediate(() => this.commitPending());
    });
  }

  private commitPending(): void {
    const batch = this.pendingInserts;
    this.pendingInserts = [];
    let stored: boolean[];
    try {
      stored = this.deps.store.insertMany(batch, Date.now());
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve({ id: p.id, duplicate: !stored[i] });
    if (stored.some(Boolean)) this.wake(Date.now());
  }

  /** Puts a dead letter back in the queue; false when there is no such dead letter. */
  redrive(id: string): boolean {
    const ok = this.deps.store.redrive(id, Date.now());
    if (ok) this.wake(Date.now());
    return ok;
  }

  /** Attempts running now. */
  get inFlight(): number {
    return this.running.size;
  }

  private wake(at: number): void {
    if (this.stopped) return;
    if (at <= Date.now()) {
      setImmediate(() => this.pump());
      return;
    }
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.min(at - Date.now(), 2 ** 31 - 1),
    );
  }

  private pump(): void {
    if (this.stopped || this.pumping) return;
    this.pumping = true;
    try {
      const free = this.options.maxInFlight - this.running.size;
      if (free > 0) {
        const now = Date.now();
        for (const e of this.deps.store.due(now, free + this.running.size)) {
          if (this.running.size >= this.options.maxInFlight) break;
          if (this.running.has(e.id)) continue;
          this.running.add(e.id);
          void this.attempt(e)
            .catch((err: unknown) => {
              // The event is still queued in the store: it runs again after a restart.
              this.deps.logger.error('async.attempt_failed', {
                eventId: e.id,
                error: (err as Error).message,
              });
            })
            .finally(() => {
              this.running.delete(e.id);
              this.pump();
            });
        }
      }
      const next = this.deps.store.nextDueAt(Date.now());
      if (next !== undefined && this.running.size < this.options.maxInFlight)
        this.wake(Math.max(next, Date.now() + 1));
    } finally {
      this.pumping = false;
    }
  }

  private async attempt(e: StoredEvent): Promise<void> {
    const { store, logger } = this.deps;
    const settings = this.deps.settings(e.functionName);
    if (!settings) {
      store.delete(e.id);
      logger.warn('async.dropped', {
        eventId: e.id,
        functionName: e.functionName,
        reason: 'function deleted',
      });
      return;
    }
    const maxAgeMs = settings.maximumEventAgeInSeconds * 1000;
    let result: InvocationResult;
    try {
      result = await this.deps.run(e);
    } catch (err) {
      if (err instanceof ResourceNotFoundError) {
        store.delete(e.id);
        return;
      }
      // Throttled, or islet could not run it: not the function's fault, so not a retry.
      if (!(err instanceof TooManyRequestsError)) {
        logger.error('async.system_error', {
          eventId: e.id,
          functionName: e.functionName,
          error: (err as Error).message,
        });
      }
      await this.backoff(e, settings, maxAgeMs);
      return;
    }
    e.invokeCount++;
    if (result.status === 'success') {
      if (settings.onSuccess) await this.deliverRecord(e, settings, settings.onSuccess, 'Success', result);
      store.relaxed(() => store.markDone(e.id, Date.now()));
      return;
    }
    if (result.systemError) {
      store.relaxed(() => store.reschedule(e)); // keeps the invoke count
      await this.backoff(e, settings, maxAgeMs);
      return;
    }
    const delay = this.options.retryBaseMs * 2 ** e.retries;
    if (e.retries < settings.maximumRetryAttempts && Date.now() + delay - e.enqueuedAt <= maxAgeMs) {
      e.retries++;
      e.nextAttemptAt = Date.now() + delay;
      store.relaxed(() => store.reschedule(e));
      this.wake(e.nextAttemptAt);
      return;
    }
    await this.fail(
      e,
      settings,
      e.retries < settings.maximumRetryAttempts ? 'EventAgeExceeded' : 'RetriesExhausted',
      result,
    );
  }

  /** Requeues after a throttle or system error, with growing delay, until the event is too old. */
  private async backoff(e: StoredEvent, settings: AsyncSettings, maxAgeMs: number): Promise<void> {
    const age = Date.now() - e.enqueuedAt;
    if (age >= maxAgeMs) {
      await this.fail(e, settings, 'EventAgeExceeded', undefined);
      return;
    }
    // Waiting about as long as the event has already waited doubles the delay each time.
    const delay = Math.min(this.options.throttleMaxDelayMs, Math.max(this.options.throttleBaseMs, age));
    e.nextAttemptAt = Date.now() + Math.min(delay, maxAgeMs - age);
    this.deps.store.relaxed(() => this.deps.store.reschedule(e));
    this.wake(e.nextAttemptAt);
  }

  private async fail(
    e: StoredEvent,
    settings: AsyncSettings,
    condition: Condition,
    result: InvocationResult | undefined,
  ): Promise<void> {
    this.deps.logger.warn('async.failed', {
      eventId: e.id,
      functionName: e.functionName,
      condition,
      attempts: e.invokeCount,
    });
    const record = invocationRecord(e, settings, condition, result);
    if (
      settings.onFailure &&
      (await this.deliverRecord(e, settings, settings.onFailure, condition, result))
    ) {
      this.deps.store.relaxed(() => this.deps.store.markDone(e.id, Date.now()));
      return;
    }
    this.deps.store.relaxed(() => this.deps.store.bury(e, JSON.stringify(record)));
    this.deps.onDeadLetter?.(e.functionName);
  }

  /** Queues an invocation record for a destination function; false if that function does not exist. */
  private async deliverRecord(
    e: StoredEvent,
    settings: AsyncSettings,
    destination: string,
    condition: Condition | 'Success',
    result: InvocationResult | undefined,
  ): Promise<boolean> {
    const target = this.deps.destinationFunction(destination);
    if (!target) {
      this.deps.logger.warn('async.destination_missing', { eventId: e.id, destination });
      return false;
    }
    // A fixed id per (event, outcome): a redelivery after a crash is deduplicated by the store.
    const record = JSON.stringify(invocationRecord(e, settings, condition, result));
    await this.enqueue(target, record, `${e.id}:${condition === 'Success' ? 'success' : 'failure'}`);
    return true;
  }
}

function parseOr(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Lambda's invocation record, as destinations receive it. */
export function invocationRecord(
  e: StoredEvent,
  settings: AsyncSettings,
  condition: Condition | 'Success',
  result: InvocationResult | undefined,
): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: e.id,
      functionArn: `${settings.functionArn}:$LATEST`,
      condition,
      approximateInvokeCount: e.invokeCount,
    },
    requestPayload: parseOr(e.payload),
    responseContext: result
      ? {
          statusCode: 200,
          executedVersion: '$LATEST',
          ...(result.status === 'function-error' ? { functionError: 'Unhandled' } : {}),
        }
      : undefined,
    responsePayload: result ? parseOr(result.payload) : undefined,
  };
}
