/**
 * Log-scale latency histogram: bucket i holds values in [base·g^i, base·g^(i+1)) with g = 1.1, so a
 * percentile read from it is within 10% of the true value. Stored sparse ({bucket: count}), so a
 * minute with few distinct durations costs a few bytes.
 */
const base = 0.01; // ms
const growth = 1.1;
const logGrowth = Math.log(growth);
/** Buckets up to 900 s (Lambda's longest timeout) and a little beyond. */
const maxBucket = Math.ceil(Math.log(1_000_000 / base) / logGrowth);

export type SparseHistogram = Record<string, number>;

/** Bucket index of a value in ms. */
export function bucketOf(valueMs: number): number {
  if (!(valueMs > base)) return 0;
  return Math.min(maxBucket, Math.floor(Math.log(valueMs / base) / logGrowth));
}

/** Representative value (geometric middle) of a bucket, in ms. */
function bucketValue(bucket: number): number {
  return base * growth ** (bucket + 0.5);
}

/** Adds one observation. */
export function observe(h: SparseHistogram, valueMs: number): void {
  const b = bucketOf(valueMs);
  h[b] = (h[b] ?? 0) + 1;
}

/** Adds every count of `from` into `into`. */
export function mergeInto(into: SparseHistogram, from: SparseHistogram): void {
  for (const [b, n] of Object.entries(from)) into[b] = (into[b] ?? 0) + n;
}

/**
 * The p-th percentile (0 < p <= 100) of a histogram, clamped to the observed min and max; undefined
 * when empty.
 */
export function percentile(h: SparseHistogram, p: number, minMs: number, maxMs: number): number | undefined {
  const entries = Object.entries(h)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  if (rank >= total) return maxMs; // the highest-ranked sample is the maximum itself
  let seen = 0;
  for (const [b, n] of entries) {
    seen += n;
    if (seen >= rank) return Math.min(maxMs, Math.max(minMs, bucketValue(b)));
  }
  return maxMs;
}
