import type { Logger } from '../logger';
import type { FunctionSpec, InvocationResult } from '../runtime/invocation';
import type { InvocationObserver } from '../runtime/invoker';
import { LogStore } from '../store/log-store';
import { MetricStore } from '../store/metric-store';
import { openTelemetryDatabase } from '../store/telemetry-db';
import { type LogOptions, LogRecorder } from './logs';
import { type MetricsOptions, MetricsRecorder } from './metrics';

/**
 * What islet keeps about invocations: per-minute metrics (30 days by default) and each
 * invocation's log. The Invoker reports to it; the APIs, console and CLI read from it.
 */
export class Telemetry implements InvocationObserver {
  readonly metrics: MetricsRecorder;
  readonly logs: LogRecorder;
  private readonly db;

  constructor(
    dataDir: string,
    options: { metrics: MetricsOptions; logs: LogOptions },
    logger: Logger,
    clock: () => number = Date.now,
  ) {
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
