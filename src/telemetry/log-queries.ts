import type { LogGroupInfo, LogRecord, LogStore, LogStreamInfo } from '../store/log-store';
import { compileFilterPattern, FilterPatternError } from './filter-pattern';
import { type LogEvent, type LogRecorder, splitEvents } from './logs';

/** A CloudWatch Logs error: `type` is the __type the SDKs turn into an exception class. */
export class LogsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The retention periods CloudWatch Logs accepts, in days. */
export const retentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const groupPrefix = '/aws/lambda/';

/** The log group of a function. */
export function logGroupName(functionName: string): string {
  return `${groupPrefix}${functionName}`;
}

/** The function whose log group this is; undefined for names that are no function's group. */
export function functionOfGroup(group: string): string | undefined {
  return group.startsWith(groupPrefix) && group.length > groupPrefix.length
    ? group.slice(groupPrefix.length)
    : undefined;
}

/** Where an event sits: its record and its 1-based place in that record. Orders events as written. */
interface Position {
  record: number;
  index: number;
}

const head: Position = { record: 0, index: 0 };
const tail: Position = { record: Number.MAX_SAFE_INTEGER, index: 0 };
const before = (a: Position, b: Position) =>
  a.record < b.record || (a.record === b.record && a.index < b.index);

/** An event read back with its place and stream. */
export interface StoredEvent extends LogEvent {
  stream: string;
  /** When the event was stored (the end of its invocation), epoch ms. */
  ingestionTime: number;
  /** Unique and increasing in the order events were written. */
  eventId: string;
}

function eventsOf(r: LogRecord): Array<StoredEvent & { at: Position }> {
  return splitEvents(r).map((e, i) => ({
    ...e,
    stream: r.stream,
    ingestionTime: r.lastMs,
    at: { record: r.id, index: i + 1 },
    eventId: `${String(r.id).padStart(16, '0')}${String(i + 1).padStart(7, '0')}`,
  }));
}

const invalidToken = () => new LogsError('InvalidParameterException', 'The specified nextToken is invalid.');

/** Opaque list tokens: base64url of the JSON of the last key returned. */
function listToken(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function readListToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
}

function positionToken(kind: 'f' | 'b' | 'e', p: Position): string {
  return `${kind}/${p.record}/${p.index}`;
}

function readPositionToken(token: string, kinds: string): { kind: string; at: Position } {
  const m = /^([a-z])\/(\d{1,16})\/(\d{1,9})$/.exec(token);
  if (!m || !kinds.includes(m[1]!) || Number(m[2]) > Number.MAX_SAFE_INTEGER) throw invalidToken();
  return { kind: m[1]!, at: { record: Number(m[2]), index: Number(m[3]) } };
}

/** Records read per store query while scanning. */
const batchRecords = 100;
/** Most message bytes in one page of events (CloudWatch Logs: 1 MB). */
const maxPageBytes = 1024 * 1024;
/** Most records FilterLogEvents looks through in one call; it answers a nextToken to go on. */
const maxScannedRecords = 10_000;
/** An index past any record's last event (a record holds at most 1 MB of lines). */
const afterEveryEvent = 999_999_999;

/**
 * The CloudWatch Logs reading model over islet's invocation logs: groups are functions, streams
 * execution environments, events the lines of each invocation. Pending records are written first,
 * so every finished invocation is visible.
 */
export class LogQueries {
  constructor(private readonly recorder: LogRecorder) {}

  private get store(): LogStore {
    this.recorder.flush();
    return this.recorder.store;
  }

  /** Log groups by name, `limit` per page; `prefix` or `pattern` (substring) narrow them. */
  describeGroups(q: { prefix?: string; pattern?: string; limit: number; nextToken?: string }): {
    groups: LogGroupInfo[];
    nextToken?: string;
  } {
    let after = '';
    if (q.nextToken !== undefined) {
      const key = readListToken(q.nextToken);
      if (typeof key !== 'string') throw invalidToken();
      after = key;
    }
    let fnPrefix = '';
    if (q.prefix !== undefined) {
      if (q.prefix.startsWith(groupPrefix)) fnPrefix = q.prefix.slice(groupPrefix.length);
      else if (!groupPrefix.startsWith(q.prefix)) return { groups: [] };
    }
    const store = this.store;
    const groups: LogGroupInfo[] = [];
    // One more than a page tells whether another page follows.
    while (groups.length <= q.limit) {
      const batch = store.groups(fnPrefix, after, 200);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.functionName;
      for (const g of batch) {
        if (q.pattern === undefined || logGroupName(g.functionName).includes(q.pattern)) groups.push(g);
      }
    }
    const page = groups.slice(0, q.limit);
    return {
      groups: page,
      nextToken: groups.length > q.limit ? listToken(page[page.length - 1]!.functionName) : undefined,
    };
  }

  /** Throws ResourceNotFoundException unless the function has a log group. */
  requireGroup(functionName: string): void {
    if (!this.store.hasGroup(functionName)) {
      throw new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
    }
  }

  /** A function's streams, by name or by last event time, `limit` per page. */
  describeStreams(
    functionName: string,
    q: {
      prefix?: string;
      orderBy: 'LogStreamName' | 'LastEventTime';
      descending: boolean;
      limit: number;
      nextToken?: string;
    },
  ): { streams: LogStreamInfo[]; nextToken?: string } {
    this.requireGroup(functionName);
    const keyOf = (s: LogStreamInfo): [number, string] =>
      q.orderBy === 'LastEventTime' ? [s.lastMs, s.stream] : [0, s.stream];
    const compare = (a: [number, string], b: [number, string]) => {
      const c = a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
      return q.descending ? -c : c;
    };
    let streams = this.store
      .streams(functionName)
      .filter((s) => q.prefix === undefined || s.stream.startsWith(q.prefix))
      .sort((a, b) => compare(keyOf(a), keyOf(b)));
    if (q.nextToken !== undefined) {
      const key = readListToken(q.nextToken);
      if (!Array.isArray(key) || typeof key[0] !== 'number' || typeof key[1] !== 'string')
        throw invalidToken();
      streams = streams.filter((s) => compare(keyOf(s), key as [number, string]) > 0);
    }
    const page = streams.slice(0, q.limit);
    return {
      streams: page,
      nextToken: streams.length > q.limit ? listToken(keyOf(page[page.length - 1]!)) : undefined,
    };
  }

  /**
   * Events of one stream in [startMs, endMs), `limit` and 1 MB per page: from the head with
   * startFromHead, else the newest. nextForwardToken reads on after the page, nextBackwardToken
   * before it; at either end the same token comes back with no events.
   */
  getEvents(
    functionName: string,
    stream: string,
    q: { startMs?: number; endMs?: number; startFromHead: boolean; limit: number; nextToken?: string },
  ): { events: StoredEvent[]; nextForwardToken: string; nextBackwardToken: string } {
    this.requireGroup(functionName);
    if (!this.store.streams(functionName).some((s) => s.stream === stream)) {
      throw new LogsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    }
    let forward = q.startFromHead;
    let from = forward ? head : tail;
    if (q.nextToken !== undefined) {
      const t = readPositionToken(q.nextToken, 'fb');
      forward = t.kind === 'f';
      from = t.at;
    }
    const startMs = q.startMs ?? 0;
    const endMs = q.endMs ?? Number.MAX_SAFE_INTEGER;
    const inRange = (e: StoredEvent) => e.timestamp >= startMs && e.timestamp < endMs;
    const picked: Array<StoredEvent & { at: Position }> = [];
    let bytes = 0;
    let cursor = forward ? from.record - 1 : from.record + 1;
    scan: for (;;) {
      const records = this.store.records(functionName, {
        fromMs: startMs,
        toMs: endMs,
        streams: [stream],
        afterId: cursor,
        limit: batchRecords,
        descending: !forward,
      });
      if (records.length === 0) break;
      for (const r of records) {
        cursor = r.id;
        const events = eventsOf(r);
        if (!forward) events.reverse();
        for (const e of events) {
          if (forward ? !before(from, e.at) : !before(e.at, from)) continue;
          if (!inRange(e)) continue;
          const size = Buffer.byteLength(e.message);
          if (picked.length >= q.limit || bytes + size > maxPageBytes) break scan;
          picked.push(e);
          bytes += size;
        }
      }
    }
    if (!forward) picked.reverse();
    const first = picked[0];
    const last = picked[picked.length - 1];
    let nextForward: Position;
    let nextBackward: Position;
    if (first && last) {
      nextForward = last.at;
      nextBackward = first.at;
    } else if (forward) {
      nextForward = from;
      nextBackward = { record: from.record, index: from.index + 1 };
    } else {
      nextBackward = from;
      nextForward = from === tail ? head : { record: from.record, index: Math.max(0, from.index - 1) };
    }
    return {
      events: picked.map(({ at: _, ...e }) => e),
      nextForwardToken: positionToken('f', nextForward),
      nextBackwardToken: positionToken('b', nextBackward),
    };
  }

  /**
   * Events of a function's streams (all, some by name, or by prefix) with startMs <= timestamp <=
   * endMs that match a filter pattern, in the order they were written, `limit` per page. A page
   * also ends after 10,000 records looked through; nextToken is absent once all are read.
   */
  filterEvents(
    functionName: string,
    q: {
      streams?: string[];
      streamPrefix?: string;
      startMs?: number;
      endMs?: number;
      pattern?: string;
      limit: number;
      nextToken?: string;
    },
  ): { events: StoredEvent[]; nextToken?: string } {
    this.requireGroup(functionName);
    let matches: (message: string) => boolean;
    try {
      matches = compileFilterPattern(q.pattern ?? '');
    } catch (e) {
      if (e instanceof FilterPatternError) throw new LogsError('InvalidParameterException', e.message);
      throw e;
    }
    let streams = q.streams;
    if (q.streamPrefix !== undefined) {
      const prefix = q.streamPrefix;
      streams = this.store
        .streams(functionName)
        .map((s) => s.stream)
        .filter((s) => s.startsWith(prefix));
      if (streams.length === 0) return { events: [] };
    }
    let after = head;
    if (q.nextToken !== undefined) after = readPositionToken(q.nextToken, 'e').at;
    const startMs = q.startMs ?? 0;
    const endMs = q.endMs ?? Number.MAX_SAFE_INTEGER - 1;
    const picked: StoredEvent[] = [];
    let bytes = 0;
    let scanned = 0;
    let cursor = after.record - 1;
    let resumeAt: Position | undefined;
    scan: for (;;) {
      const records = this.store.records(functionName, {
        fromMs: startMs,
        toMs: endMs + 1,
        streams,
        afterId: cursor,
        limit: batchRecords,
      });
      if (records.length === 0) break;
      for (const r of records) {
        if (scanned >= maxScannedRecords) {
          resumeAt = { record: cursor, index: afterEveryEvent };
          break scan;
        }
        scanned++;
        cursor = r.id;
        for (const e of eventsOf(r)) {
          if (!before(after, e.at) || e.timestamp < startMs || e.timestamp > endMs) continue;
          if (!matches(e.message)) continue;
          const size = Buffer.byteLength(e.message);
          if (picked.length >= q.limit || bytes + size > maxPageBytes) {
            resumeAt = { record: e.at.record, index: e.at.index - 1 };
            break scan;
          }
          const { at: _, ...event } = e;
          picked.push(event);
          bytes += size;
        }
      }
    }
    return { events: picked, nextToken: resumeAt ? positionToken('e', resumeAt) : undefined };
  }

  /** Sets a group's retention; `days` must be one CloudWatch accepts. */
  putRetention(functionName: string, days: number): void {
    if (!(retentionDays as readonly number[]).includes(days)) {
      throw new LogsError(
        'InvalidParameterException',
        `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${retentionDays.join(', ')}]`,
      );
    }
    if (!this.store.setRetention(functionName, days)) this.requireGroup(functionName);
  }

  /** Removes a group's own retention (islet's default applies again). */
  deleteRetention(functionName: string): void {
    if (!this.store.setRetention(functionName, undefined)) this.requireGroup(functionName);
  }

  /** Deletes a group and its events; the function's next invocation starts a new one. */
  deleteGroup(functionName: string): void {
    if (!this.store.deleteGroup(functionName)) this.requireGroup(functionName);
  }
}
