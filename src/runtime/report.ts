import { limits } from '../limits';

/** Billed duration: the duration rounded up to the next 100 ms (never less than 100 ms). */
export function billedDurationMs(durationMs: number): number {
  const g = limits.billingGranularityMs;
  return Math.max(g, Math.ceil(durationMs / g) * g);
}

/** GB-seconds for one invocation: billed seconds x memory in GB. */
export function gbSeconds(billedMs: number, memoryMb: number): number {
  return (billedMs / 1000) * (memoryMb / 1024);
}

/** Figures of one invocation, as the REPORT line and the metrics see them. */
export interface InvocationReport {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memoryMb: number;
  maxMemoryUsedMb: number;
  /** Present on a cold start only. */
  initDurationMs?: number;
  cpuTimeMs: number;
}

/** `START RequestId: ID Version: $LATEST` */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

/** `END RequestId: ID` */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

/** Lambda's tab-separated REPORT line. */
export function reportLine(r: InvocationReport): string {
  let line =
    `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${r.billedDurationMs} ms\tMemory Size: ${r.memoryMb} MB\t` +
    `Max Memory Used: ${r.maxMemoryUsedMb} MB`;
  if (r.initDurationMs !== undefined) line += `\tInit Duration: ${r.initDurationMs.toFixed(2)} ms`;
  return `${line}\t\n`;
}

/** The line Lambda writes when an invocation hits its timeout. */
export function timeoutLine(requestId: string, timeoutSeconds: number): string {
  return `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds\n`;
}

/** The last `maxBytes` of a log, cut at a character boundary, base64-encoded (X-Amz-Log-Result). */
export function logTailBase64(log: string, maxBytes = limits.logTailBytes): string {
  // Every UTF-16 unit takes at least one byte: the last maxBytes units hold the last maxBytes bytes.
  const bytes = Buffer.from(log.length > maxBytes ? log.slice(-maxBytes) : log, 'utf8');
  let start = Math.max(0, bytes.length - maxBytes);
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('base64');
}
