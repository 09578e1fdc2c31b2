/**
 * Marker paging as Lambda's and IAM's list operations do it: items in key order, a page of at
 * most `max` after `marker`, and the next page's marker (the last key of this page) while more
 * remain. `fetch` returns items whose key is greater than the marker, at most `limit` of them; the
 * page asks for one more than it keeps, to know whether another page follows.
 */
export function pageAfter<T>(
  fetch: (marker: string, limit: number) => T[],
  marker: string,
  max: number,
  keyOf: (item: T) => string,
): { items: T[]; nextMarker?: string } {
  const rows = fetch(marker, max + 1);
  const items = rows.slice(0, max);
  return { items, nextMarker: rows.length > max ? keyOf(items[items.length - 1]!) : undefined };
}

/**
 * The MaxItems of a list request: `fallback` when absent, else a whole number from 1 to `max`;
 * `refuse` makes the API's own error for anything else.
 */
export function maxItemsOf(
  raw: string | number | undefined,
  fallback: number,
  max: number,
  refuse: (message: string) => Error,
): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && !/^\d{1,9}$/.test(raw) ? Number.NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw refuse(`MaxItems must be an integer between 1 and ${max}`);
  return n;
}
