import { describe, expect, it } from 'vitest';
import { parseReport } from './report';

describe('parseReport', () => {
  it('reads the figures of a cold start', () => {
    const log =
      'START RequestId: r1 Version: $LATEST\nEND RequestId: r1\nREPORT RequestId: r1\tDuration: 12.34 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 3.10 ms\n';
    expect(parseReport(log)).toEqual({
      requestId: 'r1',
      durationMs: 12.34,
      billedMs: 100,
      memorySizeMb: 128,
      maxMemoryUsedMb: 20,
      initDurationMs: 3.1,
    });
  });

  it('leaves Init Duration out on a warm start, and answers undefined without a REPORT line', () => {
    const warm = parseReport(
      'REPORT RequestId: r2\tDuration: 1.00 ms\tBilled Duration: 100 ms\tMemory Size: 256 MB\tMax Memory Used: 1 MB\t',
    );
    expect(warm?.initDurationMs).toBeUndefined();
    expect(warm?.memorySizeMb).toBe(256);
    expect(parseReport('START RequestId: r3 Version: $LATEST\n')).toBeUndefined();
    expect(parseReport('')).toBeUndefined();
  });
});
