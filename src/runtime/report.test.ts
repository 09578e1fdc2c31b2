import { describe, expect, it } from 'vitest';
import { billedDurationMs, gbSeconds, logTailBase64, reportLine } from './report';

describe('billing', () => {
  it('rounds durations up to the next 100 ms, with 100 ms minimum', () => {
    expect(billedDurationMs(0.3)).toBe(100);
    expect(billedDurationMs(100)).toBe(100);
    expect(billedDurationMs(100.01)).toBe(200);
    expect(billedDurationMs(2999.5)).toBe(3000);
  });
  it('computes GB-seconds from billed duration and memory', () => {
    expect(gbSeconds(1000, 1024)).toBe(1);
    expect(gbSeconds(100, 128)).toBeCloseTo(0.0125, 10);
  });
});

describe('REPORT line', () => {
  it('matches Lambda format, with Init Duration only on cold starts', () => {
    const base = {
      requestId: 'r1',
      durationMs: 12.345,
      billedDurationMs: 100,
      memoryMb: 128,
      maxMemoryUsedMb: 20,
      cpuTimeMs: 1,
    };
    expect(reportLine(base)).toBe(
      'REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n',
    );
    expect(reportLine({ ...base, initDurationMs: 3.1 })).toContain('\tInit Duration: 3.10 ms\t\n');
  });
  it('keeps only the last 4 KB of a log, never splitting a character', () => {
    const log = `${'é'.repeat(3000)}END`;
    const tail = Buffer.from(logTailBase64(log), 'base64');
    expect(tail.length).toBeLessThanOrEqual(4096);
    expect(tail.toString('utf8').endsWith('END')).toBe(true);
    expect(tail.toString('utf8')).not.toContain('\ufffd');
  });
});

describe('log tail', () => {
  /** The tail taken from the whole log's bytes: what logTailBase64 must always equal. */
  const reference = (log: string, maxBytes: number) => {
    const bytes = Buffer.from(log, 'utf8');
    let start = Math.max(0, bytes.length - maxBytes);
    while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
    return bytes.subarray(start).toString('base64');
  };

  it('equals the tail of the whole log for every cut through multi-byte characters', () => {
    const log = 'a\u00e9\u20ac\ud83d\ude00'.repeat(40); // 1-, 2-, 3- and 4-byte characters
    for (let max = 1; max < 60; max++) {
      for (const l of [log, log.slice(1), log.slice(0, -1), 'short']) {
        expect(logTailBase64(l, max)).toBe(reference(l, max));
      }
    }
  });
});
