/** Lambda's log lines, read back by the tests. */

/** The request id of the START line of an invocation's log. */
export function requestIdOf(log: string): string {
  const m = /^START RequestId: ([0-9a-f-]{36}) Version: \$LATEST$/m.exec(log);
  if (!m) throw new Error(`no START line in the log:\n${log}`);
  return m[1];
}

/** The Duration (ms) of the REPORT line of request `id` (128 MB functions). */
export function reportDurationMs(log: string, id: string): number {
  const m = new RegExp(
    `^REPORT RequestId: ${id}\\tDuration: (\\d+\\.\\d{2}) ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB(\\tInit Duration: \\d+\\.\\d{2} ms)?\\t$`,
    'm',
  ).exec(log);
  if (!m) throw new Error(`no REPORT line for ${id} in the log:\n${log}`);
  return Number(m[1]);
}
