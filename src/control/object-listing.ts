import type { ObjectStore, StoredObject } from '../store/object-store';

/** What a ListObjects / ListObjectsV2 page asks for. */
export interface ListQuery {
  prefix: string;
  /** Groups keys by the part up to the first delimiter after the prefix ('' for none). */
  delimiter: string;
  /** Entries strictly after this key (StartAfter, Marker, or a continuation token's key). */
  after: string;
  /** Most keys and common prefixes together on the page. */
  maxKeys: number;
}

/** One page of a listing. */
export interface ListPage {
  objects: StoredObject[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix on the page: where the next page starts after. */
  last?: string;
}

const batchSize = 1000;

/**
 * The smallest string greater than every string that starts with `prefix`, in code point (and
 * so UTF-8 byte) order; undefined when there is none to jump to.
 */
function pastPrefix(prefix: string): string | undefined {
  const last = prefix.codePointAt(prefix.length - 1);
  if (last === undefined) return undefined;
  const width = last > 0xffff ? 2 : 1;
  let next = last + 1;
  if (next >= 0xd800 && next < 0xe000) next = 0xe000;
  if (next > 0x10ffff) return undefined;
  return prefix.slice(0, prefix.length - width) + String.fromCodePoint(next);
}

/**
 * Lists a bucket's keys in UTF-8 byte order, as S3 does: keys under `prefix`, after `after`,
 * with keys that share a part up to `delimiter` rolled into one common prefix that counts as one
 * entry (and is skipped over, not walked, in the store).
 */
export function listObjects(store: ObjectStore, bucket: string, query: ListQuery): ListPage {
  const page: ListPage = { objects: [], commonPrefixes: [], truncated: false };
  if (query.maxKeys <= 0) return page;
  const { prefix, delimiter, after } = query;
  let cursor = after;
  let inclusive = false;
  if (prefix > after) {
    cursor = prefix;
    inclusive = true;
  }
  let count = 0;
  const add = (): boolean => {
    if (count === query.maxKeys) {
      page.truncated = true;
      return false;
    }
    count++;
    return true;
  };
  for (;;) {
    const batch = store.objectsFrom(bucket, cursor, inclusive, batchSize);
    let jumped = false;
    for (const object of batch) {
      if (!object.key.startsWith(prefix)) return page;
      const at = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
      if (at < 0) {
        if (!add()) return page;
        page.objects.push(object);
        page.last = object.key;
        cursor = object.key;
        inclusive = false;
        continue;
      }
      const common = object.key.slice(0, at + delimiter.length);
      if (common > after) {
        if (!add()) return page;
        page.commonPrefixes.push(common);
        page.last = common;
      }
      const next = pastPrefix(common);
      if (next === undefined) {
        cursor = object.key;
        inclusive = false;
        continue;
      }
      cursor = next;
      inclusive = true;
      jumped = true;
      break;
    }
    if (!jumped && batch.length < batchSize) return page;
  }
}
