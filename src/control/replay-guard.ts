/**
 * Remembers the signatures it has accepted until they expire, so the same signed request is
 * accepted once. Memory is bounded by `maxEntries`: when full, expired entries go first, then the
 * oldest-signed tenth; from then on a request signed at or before the newest dropped one is
 * refused as well, since islet can no longer tell whether it is a replay.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, { signedAtMs: number; validUntilMs: number }>();
  /** Requests signed at or before this instant (ms) are refused: their entries may be gone. */
  private floorMs = Number.NEGATIVE_INFINITY;

  /** @param maxEntries signatures kept (about 150 bytes each; default 100,000). */
  constructor(private readonly maxEntries = 100_000) {}

  /** Records a verified signature; false when it is a replay (or too old to tell). */
  admit(signature: string, signedAtMs: number, validUntilMs: number, nowMs: number): boolean {
    if (signedAtMs <= this.floorMs) return false;
    const known = this.seen.get(signature);
    if (known && known.validUntilMs >= nowMs) return false;
    this.seen.set(signature, { signedAtMs, validUntilMs });
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
