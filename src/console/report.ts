/** The figures of a REPORT line, as Lambda writes it at the end of each invocation's log. */
export interface Report {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  initDurationMs?: number;
}

const reportLine =
  /REPORT RequestId: (\S+)\s+Duration: ([\d.]+) ms\s+Billed Duration: (\d+) ms\s+Memory Size: (\d+) MB\s+Max Memory Used: (\d+) MB(?:\s+Init Duration: ([\d.]+) ms)?/;

/** The REPORT figures in a log, if it has them. */
export function parseReport(log: string): Report | undefined {
  const m = reportLine.exec(log);
  if (!m) return undefined;
  return {
    requestId: m[1],
    durationMs: Number(m[2]),
    billedMs: Number(m[3]),
    memorySizeMb: Number(m[4]),
    maxMemoryUsedMb: Number(m[5]),
    initDurationMs: m[6] === undefined ? undefined : Number(m[6]),
  };
}
