import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/control/replay-guard';

// The replay guard remembers accepted signatures within their validity, in bounded memory.

const minute = 60_000;

describe('ReplayGuard', () => {
  it('refuses a signature seen before while it is valid, and forgets it once it has expired', () => {
    const g = new ReplayGuard(10);
    const t = 1_000_000;
    expect(g.admit('a', t, t + 15 * minute, t)).toBe(true);
    expect(g.admit('a', t, t + 15 * minute, t + 2001)).toBe(false);
    expect(g.admit('a', t, t + 15 * minute, t + 14 * minute)).toBe(false);
    expect(g.admit('b', t, t + 15 * minute, t)).toBe(true);
    // Past its validity the verifier refuses the request for its date anyway; the entry may go.
    expect(g.admit('a', t, t + 15 * minute, t + 16 * minute)).toBe(true);
  });

  it('accepts the same signature again within the grace after its first use (the CLI in one second), not later', () => {
    const g = new ReplayGuard(10, 2000);
    const t = 1_000_000;
    expect(g.admit('a', t, t + 15 * minute, t + 100)).toBe(true);
    expect(g.admit('a', t, t + 15 * minute, t + 900)).toBe(true);
    expect(g.admit('a', t, t + 15 * minute, t + 2100)).toBe(true);
    // The grace runs from the first use, not from the last.
    expect(g.admit('a', t, t + 15 * minute, t + 2101)).toBe(false);
    expect(g.admit('a', t, t + 15 * minute, t + 5000)).toBe(false);
  });

  it('holds at most maxEntries, dropping expired entries first', () => {
    const g = new ReplayGuard(100);
    const t = 10 * minute;
    for (let i = 0; i < 100; i++) g.admit(`old${i}`, t, t + minute, t);
    for (let i = 0; i < 50; i++) g.admit(`new${i}`, t + 5 * minute, t + 20 * minute, t + 5 * minute);
    expect(g.size).toBeLessThanOrEqual(100);
    // Nothing valid was dropped, so nothing is refused that should pass.
    expect(g.admit('fresh', t + 5 * minute + 1000, t + 21 * minute, t + 5 * minute)).toBe(true);
    expect(g.admit('new3', t + 5 * minute, t + 20 * minute, t + 6 * minute)).toBe(false);
  });

  it('when full of valid entries it drops the oldest-signed and refuses anything signed that early', () => {
    const g = new ReplayGuard(100);
    const t = 10 * minute;
    for (let i = 0; i < 101; i++) g.admit(`s${i}`, t + i * 1000, t + i * 1000 + 15 * minute, t + 101_000);
    expect(g.size).toBeLessThanOrEqual(100);
    // s0 was dropped: replaying it is still refused, because it was signed before the floor.
    expect(g.admit('s0', t, t + 15 * minute, t + 102_000)).toBe(false);
    // Recent signatures still pass, and a later replay of one of them is caught.
    expect(g.admit('later', t + 200_000, t + 200_000 + 15 * minute, t + 200_000)).toBe(true);
    expect(g.admit('s100', t + 100_000, t + 100_000 + 15 * minute, t + 200_000)).toBe(false);
  });

  it('stays bounded under a flood of distinct signatures', () => {
    const g = new ReplayGuard(1000);
    const t = 10 * minute;
    for (let i = 0; i < 20_000; i++) g.admit(`x${i}`, t + i, t + i + 15 * minute, t + i);
    expect(g.size).toBeLessThanOrEqual(1000);
  });
});
