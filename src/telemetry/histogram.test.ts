import { describe, expect, it } from 'vitest';
import { bucketOf, mergeInto, observe, percentile, type SparseHistogram } from './histogram';

describe('latency histogram', () => {
  it('reads percentiles within 10% of the true value', () => {
    const h: SparseHistogram = {};
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 0.7); // 0.7 .. 700 ms
    for (const v of values) observe(h, v);
    for (const p of [50, 90, 99]) {
      const truth = values[Math.ceil((p / 100) * values.length) - 1]!;
      const got = percentile(h, p, 0.7, 700)!;
      expect(Math.abs(got - truth) / truth).toBeLessThan(0.1);
    }
  });

  it('clamps to the observed extremes and is undefined when empty', () => {
    const h: SparseHistogram = {};
    observe(h, 5);
    expect(percentile(h, 99, 5, 5)).toBe(5);
    expect(percentile({}, 50, 0, 0)).toBeUndefined();
  });

  it('merges counts and keeps zero, negative and huge values in range', () => {
    const a: SparseHistogram = {};
    const b: SparseHistogram = {};
    observe(a, 1);
    observe(b, 1);
    observe(b, 0);
    observe(b, -3);
    mergeInto(a, b);
    expect(a[bucketOf(1)]).toBe(2);
    expect(a[0]).toBe(2);
    expect(bucketOf(1e12)).toBe(bucketOf(1e9));
  });
});
