import { describe, expect, it } from 'vitest';
import { maxItemsOf, pageAfter } from './paging';

const keys = ['a', 'b', 'c', 'd', 'e'];
const fetch = (marker: string, limit: number) => keys.filter((k) => k > marker).slice(0, limit);

describe('pageAfter', () => {
  it('pages in key order with a marker while more remain', () => {
    expect(pageAfter(fetch, '', 2, (k) => k)).toEqual({ items: ['a', 'b'], nextMarker: 'b' });
    expect(pageAfter(fetch, 'b', 2, (k) => k)).toEqual({ items: ['c', 'd'], nextMarker: 'd' });
    expect(pageAfter(fetch, 'd', 2, (k) => k)).toEqual({ items: ['e'], nextMarker: undefined });
    // A page that ends exactly at the last item says so: no empty page follows.
    expect(pageAfter(fetch, 'c', 2, (k) => k)).toEqual({ items: ['d', 'e'], nextMarker: undefined });
    expect(pageAfter(fetch, 'e', 2, (k) => k)).toEqual({ items: [], nextMarker: undefined });
  });
});

describe('maxItemsOf', () => {
  const refuse = (m: string) => new RangeError(m);
  it('takes a whole number in range, the fallback when absent, and refuses the rest', () => {
    expect(maxItemsOf(undefined, 50, 1000, refuse)).toBe(50);
    expect(maxItemsOf('7', 50, 1000, refuse)).toBe(7);
    expect(maxItemsOf(1000, 50, 1000, refuse)).toBe(1000);
    for (const bad of ['0', '1001', '1.5', 'x', '', '-3', ' 5', '5e0', '0x10'])
      expect(() => maxItemsOf(bad, 50, 1000, refuse)).toThrow(
        'MaxItems must be an integer between 1 and 1000',
      );
  });
});
