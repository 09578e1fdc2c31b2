import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { MetricStore, StoredMinute } from '../store/metric-store';
import { addInvocation, addRollup, emptyRollup, type FinishedInvocation, type MinuteRollup } from './rollup';

/** How long and how much metric history is kept. */
export interface MetricsOptions {
  /** Days of per-minute history kept (default 30). */
  retentionDays: number;
  /** Most stored minute rows (functions × minutes); the oldest go first beyond it. */
  maxRows: number;
  /** How often recorded figures are written to the store, ms (default 10000). */
  flushMs: number;
}

const minuteMs = 60_000;
/** The account-wide series is stored under this function name. */
export const accountSeries = '';

/**
 * Records what every invocation did, twice: per-minute rollups (kept for 30 days, what the
 * console, the CloudWatch API and billing read) and Prometheus counters (what /metrics serves).
 * Recording is a few map updates; the store is written in batches.
 */
export class MetricsRecorder {
  /** Figures not yet in the store: function -> minute -> delta. */
  private pending = new Map<string, Map<number, MinuteRollup>>();
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  readonly registry = new Registry();
  private readonly prom;

  constructor(
    private readonly store: MetricStore,
    private readonly options: MetricsOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    const r = this.registry;
    const labelNames = ['function_name'] as const;
    this.prom = {
      invocations: new Counter({
        name: 'islet_invocations_total',
        help: 'Invocations that ran',
        labelNames,
        registers: [r],
      }),
      errors: new Counter({
        name: 'islet_errors_total',
        help: 'Invocations that ended in a function error',
        labelNames,
        registers: [r],
      }),
      throttles: new Counter({
        name: 'islet_throttles_total',
        help: 'Invocations refused for concurrency',
        labelNames,
        registers: [r],
      }),
      coldStarts: new Counter({
        name: 'islet_cold_starts_total',
        help: 'Invocations that started an execution environment',
        labelNames,
        registers: [r],
      }),
      deadLetters: new Counter({
        name: 'islet_dead_letters_total',
        help: 'Async events moved to the dead-letter list',
        labelNames,
        registers: [r],
      }),
      duration: new Histogram({
        name: 'islet_duration_seconds',
        help: 'Invocation duration',
        labelNames,
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
        registers: [r],
      }),
      billed: new Counter({
        name: 'islet_billed_duration_seconds_total',
        help: 'Billed duration (100 ms units)',
        labelNames,
        registers: [r],
      }),
      gbSeconds: new Counter({
        name: 'islet_gb_seconds_total',
        help: 'Billed GB-seconds',
        labelNames,
        registers: [r],
      }),
      cpu: new Counter({
        name: 'islet_cpu_seconds_total',
        help: 'CPU time used by functions',
        labelNames,
        registers: [r],
      }),
      concurrent: new Gauge({
        name: 'islet_concurrent_executions',
        help: 'Executions running now',
        labelNames,
        registers: [r],
      }),
      iteratorAge: new Gauge({
        name: 'islet_iterator_age_seconds',
        help: 'Age of the oldest record in the last stream batch',
        labelNames,
        registers: [r],
      }),
    };
    collectDefaultMetrics({ register: r, prefix: 'islet_' });
  }

  /** Starts periodic flushing and pruning. */
  start(): void {
    this.flushTimer = setInterval(() => this.flush(), this.options.flushMs);
    this.flushTimer.unref();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), 3_600_000);
    this.pruneTimer.unref();
  }

  /** Stops the timers and writes what is pending. */
  stop(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    this.flush();
  }

  /** An invocation started running (after admission). */
  started(functionName: string): void {
    const n = (this.running.get(functionName) ?? 0) + 1;
    this.running.set(functionName, n);
    this.runningTotal++;
    const fn = this.current(functionName);
    fn.maxConcurrency = Math.max(fn.maxConcurrency, n);
    const all = this.current(accountSeries);
    all.maxConcurrency = Math.max(all.maxConcurrency, this.runningTotal);
    this.prom.concurrent.set({ function_name: functionName }, n);
  }

  /** An invocation that started() ended. */
  finished(functionName: string, inv: FinishedInvocation): void {
    const n = (this.running.get(functionName) ?? 1) - 1;
    if (n <= 0) this.running.delete(functionName);
    else this.running.set(functionName, n);
    this.runningTotal = Math.max(0, this.runningTotal - 1);
    addInvocation(this.current(functionName), inv);
    addInvocation(this.current(accountSeries), inv);
    const labels = { function_name: functionName };
    const p = this.prom;
    p.concurrent.set(labels, Math.max(0, n));
    p.invocations.inc(labels);
    if (inv.failed) p.errors.inc(labels);
    if (inv.coldStart) p.coldStarts.inc(labels);
    p.duration.observe(labels, inv.durationMs / 1000);
    p.billed.inc(labels, inv.billedDurationMs / 1000);
    p.gbSeconds.inc(labels, (inv.billedDurationMs / 1000) * (inv.memoryMb / 1024));
    p.cpu.inc(labels, inv.cpuTimeMs / 1000);
  }

  /** An invocation was refused for concurrency. */
  throttled(functionName: string): void {
    this.current(functionName).throttles++;
    this.current(accountSeries).throttles++;
    this.prom.throttles.inc({ function_name: functionName });
  }

  /** An async event of the function ended in the dead-letter list. */
  deadLetter(functionName: string): void {
    this.current(functionName).deadLetters++;
    this.current(accountSeries).deadLetters++;
    this.prom.deadLetters.inc({ function_name: functionName });
  }

  /** A stream batch was delivered whose oldest record was `ageMs` old. */
  iteratorAge(functionName: string, ageMs: number): void {
    for (const name of [functionName, accountSeries]) {
      const r = this.current(name);
      r.iteratorAgeMaxMs = Math.max(r.iteratorAgeMaxMs ?? 0, ageMs);
    }
    this.prom.iteratorAge.set({ function_name: functionName }, ageMs / 1000);
  }

  /** Minutes of one function ('' = account) in [fromMs, toMs), stored and not yet flushed. */
  minutes(functionName: string, fromMs: number, toMs: number): StoredMinute[] {
    const stored = this.store.minutes(functionName, fromMs, toMs);
    const pending = this.pending.get(functionName);
    if (!pending) return stored;
    const byMinute = new Map(stored.map((m) => [m.minute, m]));
    for (const [minute, delta] of pending) {
      if (minute < fromMs || minute >= toMs) continue;
      const existing = byMinute.get(minute);
      if (existing) {
        const merged = emptyRollup();
        addRollup(merged, existing.rollup);
        addRollup(merged, delta);
        existing.rollup = merged;
      } else byMinute.set(minute, { functionName, minute, rollup: delta });
    }
    return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
  }

  /** Daily usage per function in [fromMs, toMs), pending figures included. */
  dailyTotals(fromMs: number, toMs: number) {
    this.flush();
    return this.store.dailyTotals(fromMs, toMs);
  }

  /** Functions with figures since `sinceMs` (stored or pending). */
  functionNames(sinceMs: number): string[] {
    const names = new Set(this.store.functionNames(sinceMs));
    for (const name of this.pending.keys()) if (name !== accountSeries) names.add(name);
    return [...names].sort();
  }

  /** Writes pending figures to the store. */
  flush(): void {
    if (this.pending.size === 0) return;
    const batch: StoredMinute[] = [];
    for (const [functionName, minutes] of this.pending) {
      for (const [minute, rollup] of minutes) batch.push({ functionName, minute, rollup });
    }
    this.pending = new Map();
    try {
      this.store.add(batch);
    } catch (e) {
      this.logger.error('metrics.flush_failed', { error: (e as Error).message, minutes: batch.length });
    }
  }

  private prune(): void {
    try {
      const removed = this.store.prune(
        this.clock() - this.options.retentionDays * 86_400_000,
        this.options.maxRows,
      );
      if (removed) this.logger.info('metrics.pruned', { minutes: removed });
    } catch (e) {
      this.logger.error('metrics.prune_failed', { error: (e as Error).message });
    }
  }

  private current(functionName: string): MinuteRollup {
    const minute = Math.floor(this.clock() / minuteMs) * minuteMs;
    let byMinute = this.pending.get(functionName);
    if (!byMinute) {
      byMinute = new Map();
      this.pending.set(functionName, byMinute);
    }
    let r = byMinute.get(minute);
    if (!r) {
      r = emptyRollup();
      byMinute.set(minute, r);
    }
    return r;
  }
}
