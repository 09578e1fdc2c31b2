import type { Logger } from '../logger';
import type { FunctionSpec, InvocationResult } from '../runtime/invocation';
import type { InvocationObserver } from '../runtime/invoker';
import { LogStore } from '../store/log-store';
import { MetricStore } from '../store/metric-store';
import { openTelemetryDatabase } from '../store/telemetry-db';
import { type LedgerLine, launchPrices, type Prices, priceLedger } from './billing';
import { type LogOptions, LogRecorder } from './logs';
import { type MetricsOptions, MetricsRecorder } from './metrics';

/**
 * What islet keeps about invocations: per-minute metrics (30 days by default) and each
 * invocation's log. The Invoker reports to it; the APIs, console and CLI read from it.
 */
export class Telemetry implements InvocationObserver {
  readonly metrics: MetricsRecorder;
  readonly logs: LogRecorder;
  /** What usage costs (the billing ledger's prices and free tier). */
  readonly prices: Prices;
  private readonly db;

  constructor(
    dataDir: string,
    options: { metrics: MetricsOptions; logs: LogOptions; prices?: Prices },
    logger: Logger,
    clock: () => number = Date.now,
  ) {
    this.prices = options.prices ?? launchPrices;
    this.db = openTelemetryDatabase(dataDir);
    this.metrics = new MetricsRecorder(new MetricStore(this.db), options.metrics, logger, clock);
    this.logs = new LogRecorder(new LogStore(this.db), options.logs, logger, clock);
  }

  start(): void {
    this.metrics.start();
    this.logs.start();
  }

  /** Writes what is pending and closes the database. */
  stop(): void {
    this.metrics.stop();
    this.logs.stop();
    this.db.close();
  }

  /**
   * The billing ledger from the start of `fromMs`'s month (the free tier is monthly) to `toMs`,
   * returning the lines from `fromMs` on, optionally of one function only.
   */
  ledger(fromMs: number, toMs: number, functionName?: string): LedgerLine[] {
    const d = new Date(fromMs);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return priceLedger(this.metrics.dailyTotals(monthStart, toMs), this.prices).filter(
      (l) =>
        l.day >= Math.floor(fromMs / 86_400_000) * 86_400_000 &&
        (!functionName || l.functionName === functionName),
    );
  }

  throttled(functionName: string): void {
    this.metrics.throttled(functionName);
  }

  started(functionName: string): void {
    this.metrics.started(functionName);
  }

  finished(spec: FunctionSpec, result: InvocationResult & { requestId: string }): void {
    this.metrics.finished(spec.functionName, {
      failed: result.status === 'function-error',
      systemError: result.systemError === true,
      coldStart: result.coldStart,
      durationMs: result.durationMs,
      billedDurationMs: result.billedDurationMs,
      memoryMb: result.memoryMb,
      cpuTimeMs: result.cpuTimeMs,
    });
    this.logs.record(
      spec.functionName,
      result.logStream ?? `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]islet`,
      result.requestId,
      result.log,
      result.durationMs,
    );
  }
}
