import { randomUUID } from 'node:crypto';
import { TooManyRequestsError } from '../errors';
import type { Logger } from '../logger';
import type { InvocationResult } from '../runtime/invocation';

/** One queued asynchronous invocation. */
export interface AsyncEvent {
  /** Stays the same across retries: handlers may use it to drop duplicates. */
  id: string;
  functionName: string;
  payload: string;
  enqueuedAt: number;
  attempts: number;
}

/** Runs an event once; throws TooManyRequestsError when throttled. */
export type RunEvent = (event: AsyncEvent) => Promise<InvocationResult>;

/** Retry policy (AWS defaults: 2 retries after a function error, events kept up to 6 hours). */
export interface AsyncQueueOptions {
  maxRetryAttempts: number;
  maxEventAgeMs: number;
  /** First retry delay after a function error; doubles for the next (AWS: ~1 min, then ~2 min). */
  retryBaseMs: number;
  /** First delay after a throttle; grows to `throttleMaxDelayMs` (AWS: 1 s to 5 min). */
  throttleBaseMs: number;
  throttleMaxDelayMs: number;
}

/**
 * Asynchronous (Event) invocations, held in memory: each event runs soon after it is accepted,
 * function errors are retried, throttled events wait and try again until they are too old.
 * Durable queueing across restarts is not here yet; an event in this queue is lost if the
 * process is killed.
 */
export class AsyncQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = 0;
  private stopped = false;

  constructor(
    private readonly run: RunEvent,
    private readonly options: AsyncQueueOptions,
    private readonly logger: Logger,
  ) {}

  /** Accepts an event; returns its id. */
  enqueue(functionName: string, payload: string): string {
    const event: AsyncEvent = {
      id: randomUUID(),
      functionName,
      payload,
      enqueuedAt: Date.now(),
      attempts: 0,
    };
    this.schedule(event, 0);
    return event.id;
  }

  /** Events waiting or running. */
  get size(): number {
    return this.timers.size + this.running;
  }

  /** Stops scheduling; running events finish. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(event: AsyncEvent, delayMs: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.attempt(event);
    }, delayMs);
    this.timers.add(t);
  }

  private async attempt(event: AsyncEvent): Promise<void> {
    this.running++;
    try {
      event.attempts++;
      const result = await this.run(event);
      if (result.status === 'success') return;
      if (event.attempts <= this.options.maxRetryAttempts) {
        this.schedule(event, this.options.retryBaseMs * 2 ** (event.attempts - 1));
      } else {
        this.logger.warn('async.retries_exhausted', {
          eventId: event.id,
          functionName: event.functionName,
          attempts: event.attempts,
        });
      }
    } catch (e) {
      const age = Date.now() - event.enqueuedAt;
      if (e instanceof TooManyRequestsError && age < this.options.maxEventAgeMs) {
        event.attempts--; // a throttle is not a try
        const delay = Math.min(
          this.options.throttleMaxDelayMs,
          this.options.throttleBaseMs * 2 ** Math.min(20, Math.floor(age / 1000)),
        );
        this.schedule(event, delay);
      } else {
        this.logger.warn('async.dropped', {
          eventId: event.id,
          functionName: event.functionName,
          error: (e as Error).message,
        });
      }
    } finally {
      this.running--;
    }
  }
}
