import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutRetentionPolicyCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// CloudWatch Logs over islet's invocation logs, read with the official SDK, the AWS CLI and raw
// requests: groups, streams, events, paging tokens, filter patterns, retention and every error.

let server: TestServer;
let logs: CloudWatchLogsClient;
const group = '/aws/lambda/chatty';

/** Logs each of event.lines, optionally waits, and returns. */
const chatty = `
exports.handler = async (event) => {
  for (const line of event.lines ?? []) console.log(line);
  if (event.warn) console.warn(event.warn);
  if (event.waitMs) await new Promise((r) => setTimeout(r, event.waitMs));
  return 'ok';
};`;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  logs = new CloudWatchLogsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await deploy(server.lambda(), 'chatty', { 'index.js': chatty });
  await deploy(server.lambda(), 'quiet', {
    'index.js': 'exports.handler = async () => { console.log("q"); };',
  });
  await invoke(server.lambda(), 'chatty', { lines: ['alpha one', 'beta two'], warn: 'ERROR disk full' });
  await invoke(server.lambda(), 'chatty', { lines: ['gamma three', 'ERROR [db] timeout'] });
  // Two at once: the second runs in a second execution environment, i.e. a second stream.
  await Promise.all([
    invoke(server.lambda(), 'chatty', { lines: ['parallel a'], waitMs: 300 }),
    invoke(server.lambda(), 'chatty', { lines: ['parallel b'], waitMs: 300 }),
  ]);
  await invoke(server.lambda(), 'quiet');
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

/** A response's JSON body. */
const bodyOf = async (res: Response): Promise<any> => res.json();

async function streamNames(): Promise<string[]> {
  const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
  return out.logStreams!.map((s) => s.logStreamName!);
}

describe('DescribeLogGroups', () => {
  it('lists one group per function that logged, with its ARN, size and creation time', async () => {
    const out = await logs.send(new DescribeLogGroupsCommand({}));
    expect(out.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/chatty', '/aws/lambda/quiet']);
    const g = out.logGroups![0]!;
    expect(g.arn).toBe('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/chatty:*');
    expect(g.logGroupArn).toBe('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/chatty');
    expect(g.storedBytes).toBeGreaterThan(200);
    expect(Math.abs(g.creationTime! - Date.now())).toBeLessThan(120_000);
    expect(g.retentionInDays).toBeUndefined();
  });

  it('narrows by prefix or pattern and pages with nextToken', async () => {
    const byPrefix = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/q' }));
    expect(byPrefix.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/quiet']);
    const other = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/' }));
    expect(other.logGroups).toEqual([]);
    const byPattern = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'hat' }));
    expect(byPattern.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/chatty']);
    const first = await logs.send(new DescribeLogGroupsCommand({ limit: 1 }));
    expect(first.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/chatty']);
    const second = await logs.send(new DescribeLogGroupsCommand({ limit: 1, nextToken: first.nextToken }));
    expect(second.logGroups!.map((g) => g.logGroupName)).toEqual(['/aws/lambda/quiet']);
    expect(second.nextToken).toBeUndefined();
  });

  it('refuses bad limits, both prefix and pattern, and foreign tokens', async () => {
    const cases: Array<[object, string]> = [
      [
        { limit: 0 },
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ],
      [{ limit: 51 }, 'less than or equal to 50'],
      [{ logGroupNamePrefix: '/a', logGroupNamePattern: 'b' }, 'mutually exclusive'],
      [{ logGroupNamePrefix: 'bad name!' }, 'regular expression pattern'],
      [{ nextToken: 'not-a-token' }, 'The specified nextToken is invalid.'],
    ];
    for (const [input, words] of cases) {
      const e = await rejection(logs.send(new DescribeLogGroupsCommand(input)));
      expect(e).toBeInstanceOf(InvalidParameterException);
      expect(e.$metadata.httpStatusCode).toBe(400);
      expect(e.message).toContain(words);
    }
  });
});

describe('DescribeLogStreams', () => {
  it('has one stream per execution environment, named as Lambda names them, in either order', async () => {
    const out = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(out.logStreams!.length).toBe(2);
    for (const s of out.logStreams!) {
      expect(s.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(s.firstEventTimestamp).toBeLessThanOrEqual(s.lastEventTimestamp!);
      expect(s.lastIngestionTime).toBe(s.lastEventTimestamp);
      expect(s.arn).toBe(
        `arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/chatty:log-stream:${s.logStreamName}`,
      );
    }
    const names = out.logStreams!.map((s) => s.logStreamName!);
    expect([...names].sort()).toEqual(names);
    const desc = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, descending: true }));
    expect(desc.logStreams!.map((s) => s.logStreamName)).toEqual([...names].reverse());
    const byTime = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', descending: true }),
    );
    const times = byTime.logStreams!.map((s) => s.lastEventTimestamp!);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const paged = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 1 }));
    const rest = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: group, limit: 1, nextToken: paged.nextToken }),
    );
    expect([...paged.logStreams!, ...rest.logStreams!].map((s) => s.logStreamName)).toEqual(names);
    expect(rest.nextToken).toBeUndefined();
    const byPrefix = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: names[1]!.slice(0, 30) }),
    );
    expect(byPrefix.logStreams!.map((s) => s.logStreamName)).toContain(names[1]);
    const byArn = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/chatty',
      }),
    );
    expect(byArn.logStreams).toHaveLength(2);
  });

  it('refuses unknown groups, LastEventTime with a prefix, and two ways of naming the group', async () => {
    const missing = await rejection(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/nope' })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing.message).toBe('The specified log group does not exist.');
    const foreign = await rejection(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/chatty' })),
    );
    expect(foreign).toBeInstanceOf(ResourceNotFoundException);
    const ordered = await rejection(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: group,
          orderBy: 'LastEventTime',
          logStreamNamePrefix: '2',
        }),
      ),
    );
    expect(ordered).toBeInstanceOf(InvalidParameterException);
    expect(ordered.message).toBe('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const both = await rejection(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: group, logGroupIdentifier: group })),
    );
    expect(both).toBeInstanceOf(InvalidParameterException);
    const neither = await rejection(logs.send(new DescribeLogStreamsCommand({})));
    expect(neither).toBeInstanceOf(InvalidParameterException);
    expect(neither.message).toContain('logGroupName or a logGroupIdentifier');
    const badOrder = await rejection(
      logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'Size' as 'LogStreamName' })),
    );
    expect(badOrder).toBeInstanceOf(InvalidParameterException);
  });
});

describe('GetLogEvents', () => {
  it('pages forward from the head and hands back the same forward token when nothing is new', async () => {
    const [stream] = await streamNames();
    const seen: string[] = [];
    let page = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, limit: 3 }),
    );
    expect(page.events![0]!.message).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST\n$/);
    for (let n = 0; n < 50; n++) {
      seen.push(...page.events!.map((e) => e.message!));
      const next = await logs.send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          startFromHead: true,
          limit: 3,
          nextToken: page.nextForwardToken,
        }),
      );
      if (next.events!.length === 0) {
        expect(next.nextForwardToken).toBe(page.nextForwardToken);
        break;
      }
      page = next;
    }
    const all = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    expect(seen).toEqual(all.events!.map((e) => e.message));
    expect(seen.filter((m) => m.startsWith('REPORT RequestId:')).length).toBeGreaterThanOrEqual(1);
    for (const e of all.events!) expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp! - 1000);
  });

  it('reads the newest events by default, and pages backward', async () => {
    const [stream] = await streamNames();
    const all = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    const messages = all.events!.map((e) => e.message);
    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: 2 }),
    );
    expect(tail.events!.map((e) => e.message)).toEqual(messages.slice(-2));
    const before = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        limit: 2,
        nextToken: tail.nextBackwardToken,
      }),
    );
    expect(before.events!.map((e) => e.message)).toEqual(messages.slice(-4, -2));
  });

  it('shows an invocation that finishes after the forward token was handed out', async () => {
    const names = await streamNames();
    const tails = await Promise.all(
      names.map((logStreamName) =>
        logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName })),
      ),
    );
    await invoke(server.lambda(), 'chatty', { lines: ['late arrival'] });
    const fresh = await Promise.all(
      names.map((logStreamName, i) =>
        logs.send(
          new GetLogEventsCommand({
            logGroupName: group,
            logStreamName,
            nextToken: tails[i]!.nextForwardToken,
          }),
        ),
      ),
    );
    const messages = fresh.flatMap((f) => f.events!.map((e) => e.message!));
    expect(messages.some((m) => m.endsWith('\tINFO\tlate arrival\n'))).toBe(true);
    expect(messages.filter((m) => m.startsWith('START '))).toHaveLength(1);
  });

  it('keeps to startTime and endTime', async () => {
    const [stream] = await streamNames();
    const all = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }),
    );
    const last = all.events![all.events!.length - 1]!.timestamp!;
    const upTo = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        startFromHead: true,
        endTime: last,
      }),
    );
    expect(upTo.events!.every((e) => e.timestamp! < last)).toBe(true);
    const from = await logs.send(
      new GetLogEventsCommand({
        logGroupName: group,
        logStreamName: stream,
        startFromHead: true,
        startTime: last,
      }),
    );
    expect(from.events!.length).toBeGreaterThan(0);
    expect(from.events!.every((e) => e.timestamp! >= last)).toBe(true);
    expect(upTo.events!.length + from.events!.length).toBe(all.events!.length);
  });

  it('refuses unknown streams, bad tokens, limits and time ranges', async () => {
    const [stream] = await streamNames();
    const unknown = await rejection(
      logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 'no-such-stream' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFoundException);
    expect(unknown.message).toBe('The specified log stream does not exist.');
    for (const input of [
      { nextToken: 'f/abc' },
      { limit: 10_001 },
      { startTime: 10, endTime: 5 },
      { startTime: -1 },
    ]) {
      const e = await rejection(
        logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, ...input })),
      );
      expect(e).toBeInstanceOf(InvalidParameterException);
    }
    const noStream = await rejection(logs.send(new GetLogEventsCommand({ logGroupName: group } as never)));
    expect(noStream).toBeInstanceOf(InvalidParameterException);
    expect(noStream.message).toBe('The parameter logStreamName is required.');
  });
});

describe('FilterLogEvents', () => {
  const find = async (input: object) => {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: group, ...input }));
    return out.events!.map((e) => e.message!.split('\t').slice(3).join('\t').trim());
  };

  it('matches terms, phrases, exclusions and alternatives, case-sensitively', async () => {
    expect(await find({ filterPattern: 'ERROR' })).toEqual(['ERROR disk full', 'ERROR [db] timeout']);
    expect(await find({ filterPattern: 'ERROR -disk' })).toEqual(['ERROR [db] timeout']);
    expect(await find({ filterPattern: '"[db] timeout"' })).toEqual(['ERROR [db] timeout']);
    expect(await find({ filterPattern: '?alpha ?gamma' })).toEqual(['alpha one', 'gamma three']);
    expect(await find({ filterPattern: 'error' })).toEqual([]);
    expect((await find({ filterPattern: 'parallel' })).sort()).toEqual(['parallel a', 'parallel b']);
  });

  it('answers every event with its stream, id and ingestion time, and narrows by stream', async () => {
    const out = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, filterPattern: 'parallel' }),
    );
    const streams = out.events!.map((e) => e.logStreamName);
    expect(new Set(streams).size).toBe(2);
    for (const e of out.events!) {
      expect(e.eventId).toMatch(/^\d+$/);
      expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp!);
    }
    const one = await find({ filterPattern: 'parallel', logStreamNames: [streams[0]!] });
    expect(one).toHaveLength(1);
    const byPrefix = await find({ filterPattern: 'parallel', logStreamNamePrefix: streams[1]! });
    expect(byPrefix).toHaveLength(1);
    const later = await find({ startTime: Date.now() + 60_000 });
    expect(later).toEqual([]);
  });

  it('pages with nextToken through every event once, and ends without a token', async () => {
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: group }));
    expect(all.nextToken).toBeUndefined();
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: group, limit: 4, nextToken: token }),
      );
      ids.push(...page.events!.map((e) => e.eventId!));
      token = page.nextToken;
      pages++;
    } while (token && pages < 100);
    expect(ids).toEqual(all.events!.map((e) => e.eventId));
    expect(pages).toBe(Math.ceil(ids.length / 4));
  });

  it('refuses JSON and space-delimited patterns, broken quotes, and streams named two ways', async () => {
    const cases: Array<[object, string]> = [
      [{ filterPattern: '{ $.level = "ERROR" }' }, 'islet does not support JSON filter patterns'],
      [{ filterPattern: '[ip, user, status=500]' }, 'islet does not support space-delimited filter patterns'],
      [{ filterPattern: '"open phrase' }, 'Invalid filter pattern: a quoted phrase has no closing quote'],
      [{ logStreamNames: ['a'], logStreamNamePrefix: 'b' }, 'mutually exclusive'],
      [{ logStreamNames: [] }, "at 'logStreamNames' failed to satisfy constraint"],
      [{ nextToken: 'f/1/1' }, 'The specified nextToken is invalid.'],
    ];
    for (const [input, words] of cases) {
      const e = await rejection(logs.send(new FilterLogEventsCommand({ logGroupName: group, ...input })));
      expect(e).toBeInstanceOf(InvalidParameterException);
      expect(e.message).toContain(words);
    }
    const missing = await rejection(
      logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/nope' })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('retention and deletion', () => {
  it("sets and removes a group's retention with CloudWatch's day values only", async () => {
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/quiet', retentionInDays: 7 }));
    const quiet = async () =>
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/quiet' })))
        .logGroups![0]!;
    expect((await quiet()).retentionInDays).toBe(7);
    const bad = await rejection(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/quiet', retentionInDays: 2 })),
    );
    expect(bad).toBeInstanceOf(InvalidParameterException);
    expect(bad.message).toContain("Value '2' at 'retentionInDays' failed to satisfy constraint");
    expect((await quiet()).retentionInDays).toBe(7);
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/aws/lambda/quiet' }));
    expect((await quiet()).retentionInDays).toBeUndefined();
    const missing = await rejection(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/nope', retentionInDays: 7 })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    const noDays = await rejection(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/quiet' } as never)),
    );
    expect(noDays).toBeInstanceOf(InvalidParameterException);
  });

  it('deletes a group with its events; the next invocation starts a new one', async () => {
    await deploy(server.lambda(), 'doomed', {
      'index.js': 'exports.handler = async () => console.log("first");',
    });
    await invoke(server.lambda(), 'doomed');
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/doomed' }));
    const gone = await rejection(
      logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/doomed' })),
    );
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    const again = await rejection(
      logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/doomed' })),
    );
    expect(again).toBeInstanceOf(ResourceNotFoundException);
    await invoke(server.lambda(), 'doomed');
    const fresh = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/doomed' }));
    expect(fresh.events!.filter((e) => e.message!.startsWith('START '))).toHaveLength(1);
  });
});

describe('the wire', () => {
  const post = (target: string, body: string) =>
    fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    });

  it('answers errors in the JSON 1.1 shape', async () => {
    const res = await post('Logs_20140328.DescribeLogStreams', '{"logGroupName":"/aws/lambda/nope"}');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await bodyOf(res)).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });

  it('refuses unknown operations, bodies that are not JSON objects, and oversized bodies', async () => {
    const unknown = await post('Logs_20140328.CreateLogGroup', '{}');
    expect(unknown.status).toBe(400);
    expect((await bodyOf(unknown)).__type).toBe('UnknownOperationException');
    const foreign = await post('AWSEvents.DescribeLogGroups', '{}');
    expect((await bodyOf(foreign)).__type).toBe('UnknownOperationException');
    const proto = await post('Logs_20140328.__proto__', '{}');
    expect((await bodyOf(proto)).__type).toBe('UnknownOperationException');
    const deep = `{"logGroupNamePrefix":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    for (const body of ['{not json', '[1,2]', '"text"', deep]) {
      const res = await post('Logs_20140328.DescribeLogGroups', body);
      expect(res.status).toBe(400);
      expect((await bodyOf(res)).__type).toBe('SerializationException');
    }
    const typed = await post('Logs_20140328.DescribeLogGroups', '{"limit":"5","__proto__":{"limit":1}}');
    expect(typed.status).toBe(400);
    expect((await bodyOf(typed)).message).toContain(
      "at 'limit' failed to satisfy constraint: Member must be an integer",
    );
    const huge = await post(
      'Logs_20140328.DescribeLogGroups',
      JSON.stringify({ logGroupNamePrefix: 'x'.repeat(300_000) }),
    );
    expect(huge.status).toBe(413);
  });

  it('reaches the API unsigned by its X-Amz-Target', async () => {
    const res = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Logs_20140328.DescribeLogGroups',
      },
      body: '{"limit":1}',
    });
    expect(res.status).toBe(200);
    expect((await bodyOf(res)).logGroups[0].logGroupName).toBe('/aws/lambda/chatty');
  });
});

describe('the AWS CLI', () => {
  const cli = (...args: string[]) => awsCli(server.url, 'logs', ...args);

  it('describes groups and streams, gets and filters events', async () => {
    const groups = JSON.parse(
      (await cli('describe-log-groups', '--log-group-name-prefix', '/aws/lambda/ch')).stdout,
    );
    expect(groups.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual([group]);
    const streams = JSON.parse(
      (
        await cli(
          'describe-log-streams',
          '--log-group-name',
          group,
          '--order-by',
          'LastEventTime',
          '--descending',
        )
      ).stdout,
    );
    expect(streams.logStreams).toHaveLength(2);
    const events = JSON.parse(
      (
        await cli(
          'get-log-events',
          '--log-group-name',
          group,
          '--log-stream-name',
          streams.logStreams[0].logStreamName,
          '--start-from-head',
        )
      ).stdout,
    );
    expect(events.events[0].message).toMatch(/^START RequestId: /);
    expect(events.nextForwardToken).toMatch(/^f\//);
    const filtered = JSON.parse(
      (await cli('filter-log-events', '--log-group-name', group, '--filter-pattern', 'ERROR -disk')).stdout,
    );
    expect(filtered.events.map((e: { message: string }) => e.message.split('\t')[3])).toEqual([
      'ERROR [db] timeout\n',
    ]);
  });

  it('pages filter-log-events itself and reports errors with their code', async () => {
    const all = JSON.parse((await cli('filter-log-events', '--log-group-name', group)).stdout);
    const paged = JSON.parse(
      (await cli('filter-log-events', '--log-group-name', group, '--page-size', '3')).stdout,
    );
    expect(paged.events.map((e: { eventId: string }) => e.eventId)).toEqual(
      all.events.map((e: { eventId: string }) => e.eventId),
    );
    const missing = await rejection(cli('describe-log-streams', '--log-group-name', '/aws/lambda/nope'));
    expect(missing.stderr).toContain(
      'An error occurred (ResourceNotFoundException) when calling the DescribeLogStreams operation: The specified log group does not exist.',
    );
    const days = await rejection(
      cli('put-retention-policy', '--log-group-name', group, '--retention-in-days', '4'),
    );
    expect(days.stderr).toContain(
      '(InvalidParameterException) when calling the PutRetentionPolicy operation',
    );
    const json = await rejection(
      cli('filter-log-events', '--log-group-name', group, '--filter-pattern', '{ $.a = 1 }'),
    );
    expect(json.stderr).toContain('islet does not support JSON filter patterns');
  });
});
