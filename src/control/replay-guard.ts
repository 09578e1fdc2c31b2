/**
 * Remembers the signatures it has accepted until they expire, so that a signed request captured
 * and sent again later is refused. The same signature is accepted again only within `graceMs` of
 * its first use: a signature covers the time to the second, so the AWS CLI running the same
 * command twice within one second sends two byte-identical requests (`aws lambda invoke` in a
 * loop does), which nothing can tell from a replay that quick, and which AWS answers both.
 * Memory is bounded by `maxEntries`: when full, expired entries go first, then the oldest-signed
 * tenth; from then on a request signed at or before the newest dropped one is refused as well,
 * since islet can no longer tell whether it is a replay.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, { signedAtMs: number; validUntilMs: number; firstMs: number }>();
  /** Requests signed at or before this instant (ms) are refused: their entries may be gone. */
  private floorMs = Number.NEGATIVE_INFINITY;

  /**
   * @param maxEntries signatures kept (about 150 bytes each; default 100,000)
   * @param graceMs how long after its first use a signature is still accepted (default 2 s:
   *   a second of signing granularity plus transit)
   */
  constructor(
    private readonly maxEntries = 100_000,
    private readonly graceMs = 2000,
  ) {}

  /** Records a verified signature; false when it is a replay (or too old to tell). */
  admit(signature: string, signedAtMs: number, validUntilMs: number, nowMs: number): boolean {
    if (signedAtMs <= this.floorMs) return false;
    const known = this.seen.get(signature);
    if (known && known.validUntilMs >= nowMs) return nowMs - known.firstMs <= this.graceMs;
    this.seen.set(signature, { signedAtMs, validUntilMs, firstMs: nowMs });
    if (this.seen.size > this.maxEntries) this.shrink(nowMs);
    return true;
  }

  /** Signatures currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  private shrink(nowMs: number): void {
    for (const [sig, e] of this.seen) if (e.validUntilMs < nowMs) this.seen.delete(sig);
    const target = Math.floor(this.maxEntries * 0.9);
    if (this.seen.size <= target) return;
    const bySigningTime = [...this.seen].sort(([, a], [, b]) => a.signedAtMs - b.signedAtMs);
    for (const [sig, e] of bySigningTime.slice(0, this.seen.size - target)) {
      this.seen.delete(sig);
      this.floorMs = Math.max(this.floorMs, e.signedAtMs);
    }
  }
}
