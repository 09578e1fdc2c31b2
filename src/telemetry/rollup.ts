import { mergeInto, observe, type SparseHistogram } from './histogram';

/** Everything islet records about one function (or the account, name '') in one minute. */
export interface MinuteRollup {
  invocations: number;
  /** Invocations that ended in a function error (incl. timeouts and out-of-memory). */
  errors: number;
  /** Invocations refused for concurrency (TooManyRequestsException). */
  throttles: number;
  /** Invocations islet failed (its executor died): what Availability counts against. */
  systemErrors: number;
  coldStarts: number;
  /** Async events that ended in the dead-letter list. */
  deadLetters: number;
  durationSumMs: number;
  durationMinMs: number | undefined;
  durationMaxMs: number | undefined;
  durationHist: SparseHistogram;
  billedMs: number;
  gbSeconds: number;
  cpuMs: number;
  /** Most executions running at once during the minute. */
  maxConcurrency: number;
  /** Oldest stream record age seen when a batch was delivered, ms. */
  iteratorAgeMaxMs: number | undefined;
}

export function emptyRollup(): MinuteRollup {
  return {
    invocations: 0,
    errors: 0,
    throttles: 0,
    systemErrors: 0,
    coldStarts: 0,
    deadLetters: 0,
    durationSumMs: 0,
    durationMinMs: undefined,
    durationMaxMs: undefined,
    durationHist: {},
    billedMs: 0,
    gbSeconds: 0,
    cpuMs: 0,
    maxConcurrency: 0,
    iteratorAgeMaxMs: undefined,
  };
}

const minOf = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);
const maxOf = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** Adds `from` into `into` (counts add, extremes combine, histograms merge). */
export function addRollup(into: MinuteRollup, from: MinuteRollup): void {
  into.invocations += from.invocations;
  into.errors += from.errors;
  into.throttles += from.throttles;
  into.systemErrors += from.systemErrors;
  into.coldStarts += from.coldStarts;
  into.deadLetters += from.deadLetters;
  into.durationSumMs += from.durationSumMs;
  into.durationMinMs = minOf(into.durationMinMs, from.durationMinMs);
  into.durationMaxMs = maxOf(into.durationMaxMs, from.durationMaxMs);
  mergeInto(into.durationHist, from.durationHist);
  into.billedMs += from.billedMs;
  into.gbSeconds += from.gbSeconds;
  into.cpuMs += from.cpuMs;
  into.maxConcurrency = Math.max(into.maxConcurrency, from.maxConcurrency);
  into.iteratorAgeMaxMs = maxOf(into.iteratorAgeMaxMs, from.iteratorAgeMaxMs);
}

/** One finished invocation, as the recorder is told about it. */
export interface FinishedInvocation {
  failed: boolean;
  systemError: boolean;
  coldStart: boolean;
  durationMs: number;
  billedDurationMs: number;
  memoryMb: number;
  cpuTimeMs: number;
}

/** Adds one invocation to a rollup. */
export function addInvocation(r: MinuteRollup, inv: FinishedInvocation): void {
  r.invocations++;
  if (inv.failed) r.errors++;
  if (inv.systemError) r.systemErrors++;
  if (inv.coldStart) r.coldStarts++;
  r.durationSumMs += inv.durationMs;
  r.durationMinMs = minOf(r.durationMinMs, inv.durationMs);
  r.durationMaxMs = maxOf(r.durationMaxMs, inv.durationMs);
  observe(r.durationHist, inv.durationMs);
  r.billedMs += inv.billedDurationMs;
  r.gbSeconds += (inv.billedDurationMs / 1000) * (inv.memoryMb / 1024);
  r.cpuMs += inv.cpuTimeMs;
}
