import { describe, expect, it } from 'vitest';
import { FastPathPolicy } from './fast-path';

describe('FastPathPolicy', () => {
  it('promotes a function only after a run of quick invocations', () => {
    const p = new FastPathPolicy(3, 2);
    expect(p.useSync('f')).toBe(false);
    p.record('f', 0.5, true);
    p.record('f', 0.5, true);
    expect(p.useSync('f')).toBe(false);
    p.record('f', 0.5, true);
    expect(p.useSync('f')).toBe(true);
  });

  it('resets the run on a moderately slow call and demotes for good on a slow or failed one', () => {
    const p = new FastPathPolicy(2, 2);
    p.record('f', 0.1, true);
    p.record('f', 5, true); // slow-ish: the run starts again
    p.record('f', 0.1, true);
    expect(p.useSync('f')).toBe(false);
    p.record('f', 0.1, true);
    expect(p.useSync('f')).toBe(true);
    p.record('f', 50, true); // ten times the bar: demoted
    for (let i = 0; i < 10; i++) p.record('f', 0.1, true);
    expect(p.useSync('f')).toBe(false);
    p.record('g', 0.1, true);
    p.record('g', 0.1, true);
    p.record('g', 0.1, false); // a timeout or crash demotes too
    expect(p.useSync('g')).toBe(false);
  });
});
