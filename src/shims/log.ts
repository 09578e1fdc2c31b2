import type { HostFunctions } from './host';

/**
 * The invocation log. Lines go to the host as they are written, so that a function that later
 * hangs or blows its memory still leaves its output behind.
 */
let host: HostFunctions | undefined;
let currentRequestId = 'undefined';

/** Wires the log to the host; called once at install. */
export function attachLog(h: HostFunctions): void {
  host = h;
}

/** Sets the request id printed on each line (Lambda prints it on every console line). */
export function setRequestId(id: string | undefined): void {
  currentRequestId = id ?? 'undefined';
}

/** The request id of the running invocation. */
export function requestId(): string {
  return currentRequestId;
}

/** Writes one console line in Lambda's text format: TIMESTAMP\tID\tLEVEL\tmessage. */
export function writeConsoleLine(level: string, message: string): void {
  host?.log(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
}

/** Writes a raw line (used for the runtime's own lines). */
export function writeRaw(line: string): void {
  host?.log(line);
}
