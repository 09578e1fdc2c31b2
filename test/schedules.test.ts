import { AddPermissionCommand, PutFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { deploy, invokeWhenFree } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// Schedules are managed with the AWS CLI's EventBridge commands. A "minute" of rate() schedules
// lasts 300 ms here (ISLET_RATE_MINUTE_MS, for testing islet only) so ticks come quickly.
const minuteMs = 300;
let server: TestServer;
const env = { ISLET_RATE_MINUTE_MS: String(minuteMs) };
const args = ['--executors', '1'];

const cli = (...args: string[]) => awsCli(server.url, ...args);

const ticker = `
const ticks = [];
exports.handler = async (event) => {
  if (event.read) return ticks;
  ticks.push(event);
  return null;
};`;

// The collector has one slot: a delivery may hold it for a moment.
async function ticks(): Promise<any[]> {
  return (await invokeWhenFree(server.lambda(), 'ticker', { read: true }, 30)).payload;
}

/** Waits (up to 15 s) until the ticker has seen at least `n` ticks. */
async function atLeast(n: number): Promise<any[]> {
  const end = Date.now() + 15_000;
  for (;;) {
    const got = await ticks();
    if (got.length >= n) return got;
    if (Date.now() > end) throw new Error(`only ${got.length} ticks after 15 s`);
    await new Promise((r) => setTimeout(r, minuteMs));
  }
}

beforeAll(async () => {
  server = await startServer({ args, env });
  const client = server.lambda();
  await deploy(client, 'ticker', { 'index.js': ticker });
  await client.send(
    new PutFunctionConcurrencyCommand({ FunctionName: 'ticker', ReservedConcurrentExecutions: 1 }),
  );
  await client.send(
    new AddPermissionCommand({
      FunctionName: 'ticker',
      StatementId: 'every',
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: 'arn:aws:events:us-east-1:000000000000:rule/every',
    }),
  );
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('schedules (EventBridge rules)', () => {
  it('runs a rate() rule with the Scheduled Event payload, stops when disabled, and refuses bad expressions', async () => {
    const put = JSON.parse(
      (await cli('events', 'put-rule', '--name', 'every', '--schedule-expression', 'rate(1 minute)')).stdout,
    );
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:000000000000:rule/every');
    const targets = JSON.parse(
      (
        await cli(
          'events',
          'put-targets',
          '--rule',
          'every',
          '--targets',
          'Id=t1,Arn=arn:aws:lambda:us-east-1:000000000000:function:ticker',
        )
      ).stdout,
    );
    expect(targets.FailedEntryCount).toBe(0);
    const described = JSON.parse((await cli('events', 'describe-rule', '--name', 'every')).stdout);
    expect(described).toMatchObject({
      Name: 'every',
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });

    const got = await atLeast(2);
    const e = got[0];
    expect(Object.keys(e).sort()).toEqual([
      'account',
      'detail',
      'detail-type',
      'id',
      'region',
      'resources',
      'source',
      'time',
      'version',
    ]);
    expect(e).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/every'],
      detail: {},
    });
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(new Set(got.map((t) => t.id)).size).toBe(got.length);

    await cli('events', 'disable-rule', '--name', 'every');
    // A tick queued just before the rule was disabled may still land: wait until the count settles.
    let atDisable = (await ticks()).length;
    for (;;) {
      await new Promise((r) => setTimeout(r, minuteMs * 2));
      const now = (await ticks()).length;
      if (now === atDisable) break;
      atDisable = now;
    }
    await new Promise((r) => setTimeout(r, minuteMs * 3));
    expect((await ticks()).length).toBe(atDisable);

    const bad = await cli(
      'events',
      'put-rule',
      '--name',
      'bad',
      '--schedule-expression',
      'cron(0 12 * * * *)',
    ).then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(bad).toContain('ValidationException');
    expect(bad).toContain('exactly one of day-of-month and day-of-week must be ?');
  });

  it('speaks JSON 1.1 as AWS does: request ids, malformed bodies, unknown operations, __proto__ keys', async () => {
    const post = (target: string, body: string) =>
      fetch(`${server.url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': target,
          // Requests go to a service by their credential scope; islet has no keys here, so any signature passes.
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=0',
        },
        body,
      });
    const listed = await post('AWSEvents.ListRules', '{}');
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(listed.headers.get('content-type')).toBe('application/x-amz-json-1.1');

    const malformed = await post('AWSEvents.PutRule', '{"Name": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { __type: string }).__type).toBe('SerializationException');
    const unknown = await post('AWSEvents.PutEvents', '{}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');

    // A __proto__ member is data, not a prototype: the rule is made with the name given.
    const made = await post(
      'AWSEvents.PutRule',
      '{"Name":"proto-rule","ScheduleExpression":"rate(1 hour)","State":"DISABLED","__proto__":{"Name":"other"}}',
    );
    expect(made.status).toBe(200);
    const described = await post('AWSEvents.DescribeRule', '{"Name":"proto-rule"}');
    expect(((await described.json()) as { Name: string }).Name).toBe('proto-rule');
    expect((await post('AWSEvents.DeleteRule', '{"Name":"proto-rule"}')).status).toBe(200);
  });

  it('keeps ticking after kill -9 and restart (rules are durable)', async () => {
    await cli('events', 'enable-rule', '--name', 'every');
    await server.kill9();
    server = await startServer({ dataDir: server.dataDir, args, env });
    const after = await atLeast(2); // a new environment: only ticks since the restart
    expect(after.every((t) => t.resources[0] === 'arn:aws:events:us-east-1:000000000000:rule/every')).toBe(
      true,
    );
  });
});
