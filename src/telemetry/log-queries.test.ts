import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { LogStore } from '../store/log-store';
import { openTelemetryDatabase } from '../store/telemetry-db';
import { compileFilterPattern, FilterPatternError } from './filter-pattern';
import { functionOfGroup, LogQueries, LogsError } from './log-queries';
import { LogRecorder } from './logs';

const dirs: string[] = [];
const dbs: Array<{ close(): void }> = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const t0 = Date.UTC(2026, 0, 10, 12, 0, 0);

/** A recorder over a fresh telemetry database with a clock the test moves. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'islet-logq-'));
  dirs.push(dir);
  const db = openTelemetryDatabase(dir);
  dbs.push(db);
  const clock = { now: t0 };
  const recorder = new LogRecorder(
    new LogStore(db),
    { retentionDays: 30, maxBytesPerFunction: 1 << 30 },
    createLogger('error', () => undefined),
    () => clock.now,
  );
  return { recorder, queries: new LogQueries(recorder), clock };
}

/** An invocation log of `lines` console lines ("line N"), finishing at the clock's time. */
function invocationLog(requestId: string, lines: string[], at: number): string {
  const stamp = new Date(at - 1).toISOString();
  return [
    `START RequestId: ${requestId} Version: $LATEST`,
    ...lines.map((l) => `${stamp}\t${requestId}\tINFO\t${l}`),
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: 2.00 ms\tBilled Duration: 100 ms`,
    '',
  ].join('\n');
}

function thrown(f: () => unknown): LogsError {
  try {
    f();
  } catch (e) {
    if (e instanceof LogsError) return e;
    throw e;
  }
  throw new Error('expected a LogsError');
}

describe('log groups and streams', () => {
  it('maps groups to functions and pages groups by name with opaque tokens', () => {
    const { recorder, queries } = setup();
    for (const fn of ['alpha', 'beta', 'gamma']) recorder.record(fn, 's1', 'r', 'hello\n', 1);
    expect(functionOfGroup('/aws/lambda/alpha')).toBe('alpha');
    expect(functionOfGroup('/aws/lambda/')).toBeUndefined();
    expect(functionOfGroup('/other/alpha')).toBeUndefined();
    const first = queries.describeGroups({ limit: 2 });
    expect(first.groups.map((g) => g.functionName)).toEqual(['alpha', 'beta']);
    expect(first.nextToken).toBeDefined();
    const second = queries.describeGroups({ limit: 2, nextToken: first.nextToken });
    expect(second.groups.map((g) => g.functionName)).toEqual(['gamma']);
    expect(second.nextToken).toBeUndefined();
    expect(
      queries.describeGroups({ limit: 50, prefix: '/aws/lambda/b' }).groups.map((g) => g.functionName),
    ).toEqual(['beta']);
    expect(queries.describeGroups({ limit: 50, prefix: '/aws' }).groups).toHaveLength(3);
    expect(queries.describeGroups({ limit: 50, prefix: '/ecs' }).groups).toEqual([]);
    expect(queries.describeGroups({ limit: 50, pattern: 'mm' }).groups.map((g) => g.functionName)).toEqual([
      'gamma',
    ]);
    expect(thrown(() => queries.describeGroups({ limit: 2, nextToken: '%%%' })).type).toBe(
      'InvalidParameterException',
    );
  });

  it('orders streams by name or last event time, both ways, and pages them', () => {
    const { recorder, queries, clock } = setup();
    recorder.record('fn', 'b-stream', 'r1', 'one\n', 1);
    clock.now += 1000;
    recorder.record('fn', 'c-stream', 'r2', 'two\n', 1);
    clock.now += 1000;
    recorder.record('fn', 'a-stream', 'r3', 'three\n', 1);
    const names = (q: Parameters<LogQueries['describeStreams']>[1]) =>
      queries.describeStreams('fn', q).streams.map((s) => s.stream);
    const base = { orderBy: 'LogStreamName' as const, descending: false, limit: 50 };
    expect(names(base)).toEqual(['a-stream', 'b-stream', 'c-stream']);
    expect(names({ ...base, descending: true })).toEqual(['c-stream', 'b-stream', 'a-stream']);
    expect(names({ ...base, orderBy: 'LastEventTime' })).toEqual(['b-stream', 'c-stream', 'a-stream']);
    expect(names({ ...base, orderBy: 'LastEventTime', descending: true })).toEqual([
      'a-stream',
      'c-stream',
      'b-stream',
    ]);
    expect(names({ ...base, prefix: 'b' })).toEqual(['b-stream']);
    const page1 = queries.describeStreams('fn', { ...base, orderBy: 'LastEventTime', limit: 2 });
    expect(page1.streams.map((s) => s.stream)).toEqual(['b-stream', 'c-stream']);
    const page2 = queries.describeStreams('fn', {
      ...base,
      orderBy: 'LastEventTime',
      limit: 2,
      nextToken: page1.nextToken,
    });
    expect(page2.streams.map((s) => s.stream)).toEqual(['a-stream']);
    expect(page2.nextToken).toBeUndefined();
    expect(thrown(() => queries.describeStreams('nope', base)).type).toBe('ResourceNotFoundException');
  });

  it('sets and clears retention with CloudWatch day values only, and deletes groups', () => {
    const { recorder, queries } = setup();
    recorder.record('fn', 's', 'r', 'x\n', 1);
    queries.putRetention('fn', 14);
    expect(queries.describeGroups({ limit: 1 }).groups[0]!.retentionDays).toBe(14);
    const bad = thrown(() => queries.putRetention('fn', 2));
    expect(bad.type).toBe('InvalidParameterException');
    expect(bad.message).toContain("Value '2' at 'retentionInDays' failed to satisfy constraint");
    queries.deleteRetention('fn');
    expect(queries.describeGroups({ limit: 1 }).groups[0]!.retentionDays).toBeUndefined();
    expect(thrown(() => queries.putRetention('other', 14)).type).toBe('ResourceNotFoundException');
    queries.deleteGroup('fn');
    expect(queries.describeGroups({ limit: 50 }).groups).toEqual([]);
    expect(thrown(() => queries.deleteGroup('fn')).type).toBe('ResourceNotFoundException');
  });
});

describe('GetLogEvents tokens', () => {
  it('reads the newest events by default, pages backward and forward, and hands back the same token at the end', () => {
    const { recorder, queries, clock } = setup();
    for (let i = 1; i <= 3; i++) {
      clock.now += 1000;
      recorder.record('fn', 'env', `r${i}`, invocationLog(`r${i}`, [`line ${i}`], clock.now), 2);
    }
    // 3 invocations x 4 events (START, line, END, REPORT).
    const newest = queries.getEvents('fn', 'env', { startFromHead: false, limit: 4 });
    expect(newest.events.map((e) => e.message)).toEqual([
      'START RequestId: r3 Version: $LATEST\n',
      expect.stringContaining('line 3'),
      'END RequestId: r3\n',
      expect.stringContaining('REPORT RequestId: r3'),
    ]);
    const older = queries.getEvents('fn', 'env', {
      startFromHead: false,
      limit: 5,
      nextToken: newest.nextBackwardToken,
    });
    expect(older.events.map((e) => e.message.split('\t')[0]!.trim())).toEqual([
      'REPORT RequestId: r1',
      'START RequestId: r2 Version: $LATEST',
      expect.stringMatching(/^\d{4}-/),
      'END RequestId: r2',
      'REPORT RequestId: r2',
    ]);
    // Forward from the newest page: nothing new, the same token back.
    const atEnd = queries.getEvents('fn', 'env', {
      startFromHead: false,
      limit: 10,
      nextToken: newest.nextForwardToken,
    });
    expect(atEnd.events).toEqual([]);
    expect(atEnd.nextForwardToken).toBe(newest.nextForwardToken);
    // A new invocation shows up behind that token.
    clock.now += 1000;
    recorder.record('fn', 'env', 'r4', invocationLog('r4', ['line 4'], clock.now), 2);
    const fresh = queries.getEvents('fn', 'env', {
      startFromHead: false,
      limit: 10,
      nextToken: atEnd.nextForwardToken,
    });
    expect(fresh.events.map((e) => e.message)).toContain('END RequestId: r4\n');
    expect(fresh.events).toHaveLength(4);
    // Backward from the head: nothing, the same token back.
    const fromHead = queries.getEvents('fn', 'env', { startFromHead: true, limit: 2 });
    expect(fromHead.events[0]!.message).toBe('START RequestId: r1 Version: $LATEST\n');
    const beforeHead = queries.getEvents('fn', 'env', {
      startFromHead: true,
      limit: 2,
      nextToken: fromHead.nextBackwardToken,
    });
    expect(beforeHead.events).toEqual([]);
    expect(beforeHead.nextBackwardToken).toBe(fromHead.nextBackwardToken);
  });

  it('reads forward from the head through every event exactly once', () => {
    const { recorder, queries, clock } = setup();
    for (let i = 1; i <= 5; i++) {
      clock.now += 1000;
      recorder.record('fn', 'env', `r${i}`, invocationLog(`r${i}`, ['a', 'b'], clock.now), 2);
    }
    const seen: string[] = [];
    let page = queries.getEvents('fn', 'env', { startFromHead: true, limit: 3 });
    for (let n = 0; n < 20 && page.events.length; n++) {
      seen.push(...page.events.map((e) => e.eventId));
      page = queries.getEvents('fn', 'env', {
        startFromHead: true,
        limit: 3,
        nextToken: page.nextForwardToken,
      });
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual(seen);
  });

  it('keeps to [startTime, endTime) and refuses unknown streams and bad tokens', () => {
    const { recorder, queries, clock } = setup();
    const times: number[] = [];
    for (let i = 1; i <= 3; i++) {
      clock.now += 10_000;
      times.push(clock.now);
      recorder.record('fn', 'env', `r${i}`, invocationLog(`r${i}`, [`line ${i}`], clock.now), 2);
    }
    const mid = queries.getEvents('fn', 'env', {
      startFromHead: true,
      limit: 100,
      startMs: times[1]! - 5,
      endMs: times[1]!,
    });
    expect(mid.events.map((e) => e.message.trim())).toEqual([
      'START RequestId: r2 Version: $LATEST',
      expect.stringContaining('line 2'),
    ]);
    expect(thrown(() => queries.getEvents('fn', 'other', { startFromHead: true, limit: 1 })).message).toBe(
      'The specified log stream does not exist.',
    );
    for (const nextToken of ['x', 'f/1', 'e/1/1', 'f/99999999999999999/1', 'f/-1/0']) {
      expect(
        thrown(() => queries.getEvents('fn', 'env', { startFromHead: true, limit: 1, nextToken })).type,
      ).toBe('InvalidParameterException');
    }
  });
});

describe('FilterLogEvents', () => {
  it('matches patterns across streams in write order, pages with nextToken, and ends without one', () => {
    const { recorder, queries, clock } = setup();
    recorder.record('fn', 'env-a', 'r1', invocationLog('r1', ['ERROR disk full', 'ok'], clock.now + 1), 2);
    recorder.record(
      'fn',
      'env-b',
      'r2',
      invocationLog('r2', ['WARN slow', 'ERROR [db] timeout'], clock.now + 2),
      2,
    );
    recorder.record('fn', 'env-a', 'r3', invocationLog('r3', ['error lowercase'], clock.now + 3), 2);
    const find = (pattern: string, extra: object = {}) =>
      queries
        .filterEvents('fn', { pattern, limit: 100, ...extra })
        .events.map((e) => e.message.split('\t').slice(3).join('\t').trim() || e.message.split(' ')[0]);
    expect(find('ERROR')).toEqual(['ERROR disk full', 'ERROR [db] timeout']);
    expect(find('ERROR -disk')).toEqual(['ERROR [db] timeout']);
    expect(find('?WARN ?lowercase')).toEqual(['WARN slow', 'error lowercase']);
    expect(find('"[db] timeout"')).toEqual(['ERROR [db] timeout']);
    expect(find('ERROR', { streams: ['env-a'] })).toEqual(['ERROR disk full']);
    expect(find('ERROR', { streamPrefix: 'env-b' })).toEqual(['ERROR [db] timeout']);
    expect(find('ERROR', { streamPrefix: 'zzz' })).toEqual([]);
    expect(find('')).toHaveLength(3 * 4 + 2);

    const all: string[] = [];
    let page = queries.filterEvents('fn', { limit: 4 });
    all.push(...page.events.map((e) => e.eventId));
    while (page.nextToken) {
      page = queries.filterEvents('fn', { limit: 4, nextToken: page.nextToken });
      all.push(...page.events.map((e) => e.eventId));
    }
    expect(all).toHaveLength(14);
    expect(new Set(all).size).toBe(14);
    const withStreams = queries.filterEvents('fn', { pattern: 'slow', limit: 10 }).events[0]!;
    expect(withStreams.stream).toBe('env-b');
    expect(withStreams.ingestionTime).toBe(t0);
  });

  it('turns unsupported and malformed patterns into InvalidParameterException', () => {
    const { recorder, queries } = setup();
    recorder.record('fn', 's', 'r', 'x\n', 1);
    for (const [pattern, words] of [
      ['{ $.level = "error" }', 'JSON filter patterns'],
      ['[ip, user, status]', 'space-delimited filter patterns'],
      ['%ERR.*%', 'regular-expression filter patterns'],
      ['"unclosed', 'no closing quote'],
      ['-', 'needs a term'],
    ] as const) {
      const e = thrown(() => queries.filterEvents('fn', { pattern, limit: 1 }));
      expect(e.type).toBe('InvalidParameterException');
      expect(e.message).toContain(words);
    }
    expect(thrown(() => queries.filterEvents('fn', { limit: 1, nextToken: 'f/1/1' })).message).toBe(
      'The specified nextToken is invalid.',
    );
  });
});

describe('filter patterns', () => {
  it('is case-sensitive, needs every plain term, and reads escaped quotes inside phrases', () => {
    const m = compileFilterPattern('Timeout "said \\"no\\""');
    expect(m('Timeout: the server said "no"')).toBe(true);
    expect(m('timeout: the server said "no"')).toBe(false);
    expect(m('Timeout: the server said no')).toBe(false);
    expect(compileFilterPattern('   ')('anything')).toBe(true);
    expect(() => compileFilterPattern('a"b')).toThrow(FilterPatternError);
  });
});
