import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  GetMetricStatisticsCommand,
  type GetMetricStatisticsCommandInput,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { cbor } from '@smithy/core/cbor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from './helpers/aws-cli';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

// CloudWatch over islet's per-minute metrics, in its three wire protocols: awsJson 1.0 (the JS
// SDK's default), Smithy RPC v2 CBOR and awsQuery (the SDK configured for each, and the AWS CLI
// with its model switched to each), with every error in each protocol's shape.

let server: TestServer;
let dir: string;
const clients: Record<'json' | 'cbor' | 'query', CloudWatchClient> = {} as never;
const start = new Date(Date.now() - 10 * 60_000);
const end = new Date(Date.now() + 10 * 60_000);
const fn = [{ Name: 'FunctionName', Value: 'measured' }];

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  dir = mkdtempSync(join(tmpdir(), 'islet-cw-'));
  const base = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  clients.json = new CloudWatchClient(base);
  clients.cbor = new CloudWatchClient({ ...base, protocol: AwsSmithyRpcV2CborProtocol });
  clients.query = new CloudWatchClient({ ...base, protocol: AwsQueryProtocol });
  await deploy(server.lambda(), 'measured', {
    'index.js': 'exports.handler = async (e) => { if (e.fail) throw new Error("no"); return 1; };',
  });
  for (let i = 0; i < 5; i++) await invoke(server.lambda(), 'measured', {});
  for (let i = 0; i < 2; i++) await invoke(server.lambda(), 'measured', { fail: true });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

const statistics = (input: Partial<GetMetricStatisticsCommandInput>, client = clients.json) =>
  client.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: fn,
      StartTime: start,
      EndTime: end,
      Period: 1200,
      Statistics: ['Sum'],
      ...input,
    }),
  );

describe('GetMetricStatistics', () => {
  it('answers invocations, errors and durations of a function over a period', async () => {
    const inv = await statistics({ Statistics: ['Sum', 'SampleCount', 'Average'] });
    expect(inv.Label).toBe('Invocations');
    expect(inv.Datapoints).toEqual([
      {
        Timestamp: new Date(Math.floor(start.getTime() / 60_000) * 60_000),
        Sum: 7,
        SampleCount: 7,
        Average: 1,
        Unit: 'Count',
      },
    ]);
    const errors = await statistics({ MetricName: 'Errors', Statistics: ['Sum', 'SampleCount'] });
    expect(errors.Datapoints![0]).toMatchObject({ Sum: 2, SampleCount: 7 });
    const duration = await statistics({
      MetricName: 'Duration',
      Statistics: ['Minimum', 'Maximum'],
      ExtendedStatistics: ['p50', 'p99.9'],
    });
    const d = duration.Datapoints![0]!;
    expect(d.Unit).toBe('Milliseconds');
    expect(d.Minimum).toBeGreaterThan(0);
    expect(d.ExtendedStatistics!.p50).toBeGreaterThanOrEqual(d.Minimum!);
    expect(d.ExtendedStatistics!['p99.9']).toBeLessThanOrEqual(d.Maximum!);
    const account = await statistics({ Dimensions: [] });
    expect(account.Datapoints![0]!.Sum).toBe(7);
  });

  it('answers one datapoint per minute with invocations, on minute boundaries', async () => {
    const out = await statistics({ Period: 60 });
    expect(out.Datapoints!.reduce((n, p) => n + p.Sum!, 0)).toBe(7);
    for (const p of out.Datapoints!) expect(p.Timestamp!.getTime() % 60_000).toBe(0);
  });

  it('answers no datapoints for series islet does not have', async () => {
    for (const input of [
      { Dimensions: [{ Name: 'FunctionName', Value: 'nope' }] },
      { MetricName: 'CPUUtilization' },
      { Namespace: 'AWS/EC2' },
      { Dimensions: [{ Name: 'Resource', Value: 'measured' }] },
      { Unit: 'Seconds' as const },
    ]) {
      expect((await statistics(input)).Datapoints).toEqual([]);
    }
  });

  it('refuses bad periods, time ranges, statistics and too many datapoints, in every protocol', async () => {
    const cases: Array<[Partial<GetMetricStatisticsCommandInput>, string, string, string]> = [
      [{ Period: 90 }, 'InvalidParameterValueException', 'InvalidParameterValue', 'must be a multiple of 60'],
      [{ Period: 0 }, 'InvalidParameterValueException', 'InvalidParameterValue', "Value '0' at 'Period'"],
      [
        { StartTime: end, EndTime: start },
        'InvalidParameterValueException',
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      ],
      [
        { StartTime: undefined },
        'MissingRequiredParameterException',
        'MissingParameter',
        'The parameter StartTime is required.',
      ],
      [
        { Statistics: undefined },
        'InvalidParameterCombinationException',
        'InvalidParameterCombination',
        'At least one of the parameters Statistics and ExtendedStatistics must be specified.',
      ],
      [
        { Statistics: ['Median' as 'Sum'] },
        'InvalidParameterValueException',
        'InvalidParameterValue',
        'The parameter Statistics.member.1 must be a value in the set',
      ],
      [
        { ExtendedStatistics: ['p101'] },
        'InvalidParameterValueException',
        'InvalidParameterValue',
        'The value p101 for parameter ExtendedStatistics is not supported',
      ],
      [
        { Period: 60, StartTime: new Date(end.getTime() - 1441 * 60_000) },
        'InvalidParameterCombinationException',
        'InvalidParameterCombination',
        'datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested',
      ],
      [{ Unit: 'Parsecs' as 'Seconds' }, 'InvalidParameterValueException', 'InvalidParameterValue', 'Unit'],
      [{ Namespace: undefined }, 'MissingRequiredParameterException', 'MissingParameter', 'Namespace'],
    ];
    for (const protocol of ['json', 'cbor', 'query'] as const) {
      for (const [input, name, code, words] of cases) {
        const e = await rejection(statistics(input, clients[protocol]));
        expect([protocol, e.name, e.Code, e.$metadata.httpStatusCode]).toEqual([protocol, name, code, 400]);
        expect(e.message).toContain(words);
      }
    }
  });
});

describe('GetMetricData', () => {
  const query = (Id: string, MetricName: string, Stat: string, extra: object = {}, Period = 1200) => ({
    Id,
    MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName, Dimensions: fn }, Period, Stat },
    ...extra,
  });
  const data = (input: Partial<GetMetricDataCommandInput>, client = clients.json) =>
    client.send(
      new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [], ...input }),
    );

  it('answers MetricStat queries with labels, leaving out ReturnData false', async () => {
    const out = await data({
      MetricDataQueries: [
        query('inv', 'Invocations', 'Sum'),
        query('err', 'Errors', 'Sum', { Label: 'failures' }),
        query('hidden', 'Duration', 'Maximum', { ReturnData: false }),
        query('slow', 'Duration', 'p99'),
      ],
    });
    expect(out.MetricDataResults!.map((r) => [r.Id, r.Label, r.Values, r.StatusCode])).toEqual([
      ['inv', 'Invocations', [7], 'Complete'],
      ['err', 'failures', [2], 'Complete'],
      ['slow', 'Duration', [expect.any(Number)], 'Complete'],
    ]);
    expect(out.NextToken).toBeUndefined();
  });

  it('pages by MaxDatapoints with NextToken, newest first unless ascending', async () => {
    const perMinute = (await statistics({ Period: 60 })).Datapoints!.length;
    const queries = [query('a', 'Invocations', 'Sum', {}, 60)];
    const all = await data({ MetricDataQueries: queries });
    const times = all.MetricDataResults![0]!.Timestamps!.map((t) => t.getTime());
    expect(times).toHaveLength(perMinute);
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    const asc = await data({ MetricDataQueries: queries, ScanBy: 'TimestampAscending' });
    expect(asc.MetricDataResults![0]!.Timestamps!.map((t) => t.getTime())).toEqual([...times].reverse());
    const paged: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await data({ MetricDataQueries: queries, MaxDatapoints: 1, NextToken: token });
      paged.push(...page.MetricDataResults![0]!.Timestamps!.map((t) => t.getTime()));
      token = page.NextToken;
      pages++;
    } while (token && pages < 30);
    expect(paged).toEqual(times);
    expect(pages).toBe(perMinute);
  });

  it('refuses metric math, bad ids, statistics, periods and tokens, in every protocol', async () => {
    const cases: Array<[Partial<GetMetricDataCommandInput>, string, string]> = [
      [
        { MetricDataQueries: [{ Id: 'e1', Expression: 'SUM(METRICS())' }] },
        'InvalidParameterValue',
        'metric math',
      ],
      [{ MetricDataQueries: [query('Bad-Id', 'Invocations', 'Sum')] }, 'InvalidParameterValue', 'Bad-Id'],
      [
        { MetricDataQueries: [query('a', 'Invocations', 'Sum'), query('a', 'Errors', 'Sum')] },
        'InvalidParameterValue',
        'not unique',
      ],
      [{ MetricDataQueries: [query('a', 'Invocations', 'Median')] }, 'InvalidParameterValue', 'Median'],
      [
        { MetricDataQueries: [query('a', 'Invocations', 'Sum', {}, 30)] },
        'InvalidParameterValue',
        'multiple of 60',
      ],
      [{ MetricDataQueries: [{ Id: 'a' }] }, 'MissingParameter', 'MetricStat is required'],
      [{ MetricDataQueries: [] }, 'InvalidParameterValue', 'MetricDataQueries'],
      [
        { MetricDataQueries: [query('a', 'Invocations', 'Sum')], NextToken: 'nope' },
        'InvalidNextToken',
        'nextToken',
      ],
      [
        { MetricDataQueries: [query('a', 'Invocations', 'Sum')], EndTime: start },
        'InvalidParameterValue',
        'StartTime',
      ],
    ];
    for (const protocol of ['json', 'cbor', 'query'] as const) {
      for (const [input, code, words] of cases) {
        const e = await rejection(data(input, clients[protocol]));
        expect([protocol, e.Code ?? e.name, e.$metadata.httpStatusCode]).toEqual([protocol, code, 400]);
        expect(e.message).toContain(words);
      }
    }
  });
});

describe('ListMetrics', () => {
  it('lists each metric account-wide and per function, filtered by name and dimension', async () => {
    const all = await clients.json.send(new ListMetricsCommand({ Namespace: 'AWS/Lambda' }));
    const invocations = all.Metrics!.filter((m) => m.MetricName === 'Invocations');
    expect(invocations).toEqual([
      { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [] },
      { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: fn },
    ]);
    const byFunction = await clients.json.send(
      new ListMetricsCommand({ MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName' }] }),
    );
    expect(byFunction.Metrics).toEqual([{ Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: fn }]);
    const none = await clients.json.send(new ListMetricsCommand({ Namespace: 'AWS/EC2' }));
    expect(none.Metrics).toEqual([]);
    const recent = await clients.json.send(
      new ListMetricsCommand({ RecentlyActive: 'PT3H', MetricName: 'Errors' }),
    );
    expect(recent.Metrics).toHaveLength(2);
    const bad = await rejection(
      clients.json.send(new ListMetricsCommand({ RecentlyActive: 'P1D' as 'PT3H' })),
    );
    expect(bad.Code).toBe('InvalidParameterValue');
  });
});

describe('the three protocols', () => {
  it('give the same answers through the SDK', async () => {
    const answers = await Promise.all(
      (['json', 'cbor', 'query'] as const).map(async (p) => ({
        statistics: (
          await statistics(
            { MetricName: 'Duration', Statistics: ['Sum', 'Maximum'], ExtendedStatistics: ['p90'] },
            clients[p],
          )
        ).Datapoints,
        data: (
          await clients[p].send(
            new GetMetricDataCommand({
              StartTime: start,
              EndTime: end,
              MetricDataQueries: [
                {
                  Id: 'e',
                  MetricStat: {
                    Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: fn },
                    Period: 600,
                    Stat: 'Sum',
                  },
                },
              ],
            }),
          )
        ).MetricDataResults,
        list: (await clients[p].send(new ListMetricsCommand({ MetricName: 'Throttles' }))).Metrics,
      })),
    );
    expect(answers[0]!.statistics![0]!.ExtendedStatistics!.p90).toBeGreaterThan(0);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('speak each wire format: CBOR with its header, query in XML, JSON 1.0', async () => {
    const sign =
      'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0';
    const rpc = await fetch(`${server.url}/service/GraniteServiceVersion20100801/operation/ListMetrics`, {
      method: 'POST',
      headers: { authorization: sign, 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' },
      body: Buffer.from(cbor.serialize({ MetricName: 'Errors' })),
    });
    expect(rpc.status).toBe(200);
    expect(rpc.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(rpc.headers.get('content-type')).toBe('application/cbor');
    expect(cbor.deserialize(new Uint8Array(await rpc.arrayBuffer())).Metrics).toHaveLength(2);

    const badCbor = await fetch(`${server.url}/service/GraniteServiceVersion20100801/operation/ListMetrics`, {
      method: 'POST',
      headers: { authorization: sign, 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor' },
      body: Buffer.from([0xff, 0x00, 0x9f]),
    });
    expect(badCbor.status).toBe(400);
    expect(cbor.deserialize(new Uint8Array(await badCbor.arrayBuffer())).__type).toContain(
      'SerializationException',
    );

    const form = (body: string) =>
      fetch(`${server.url}/`, {
        method: 'POST',
        headers: { authorization: sign, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    const xml = await form('Action=ListMetrics&Version=2010-08-01&MetricName=Errors&Namespace=AWS%2FLambda');
    expect(xml.status).toBe(200);
    const text = await xml.text();
    expect(text).toMatch(
      /^<ListMetricsResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/">/,
    );
    expect(text).toContain(
      '<member><Namespace>AWS/Lambda</Namespace><MetricName>Errors</MetricName><Dimensions>',
    );
    expect(text).toMatch(/<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata>/);
    const unknown = await form('Action=PutMetricData&Version=2010-08-01');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
    const hugeIndex = await form(
      'Action=ListMetrics&Version=2010-08-01&Dimensions.member.999999999.Name=FunctionName',
    );
    expect(hugeIndex.status).toBe(400);
    expect(await hugeIndex.text()).toContain('<Type>Sender</Type><Code>InvalidParameterValue</Code>');
    const deepName = await form(`Action=ListMetrics&Version=2010-08-01&${'a.'.repeat(50_000)}b=1`);
    expect(deepName.status).toBe(400);
    expect(await deepName.text()).toContain('is nested too deeply');

    const json = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: {
        authorization: sign,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'GraniteServiceVersion20100801.GetMetricStatistics',
      },
      body: JSON.stringify({ Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: 'yesterday' }),
    });
    expect(json.status).toBe(400);
    expect(json.headers.get('x-amzn-query-error')).toBe('InvalidParameterValue;Sender');
    expect(await json.json()).toEqual({
      __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException',
      message: expect.stringContaining(
        "at 'StartTime' failed to satisfy constraint: Member must be a timestamp",
      ),
    });
  });
});

/** The AWS CLIs on this machine: the one the test helper runs, and the one first on PATH. */
const cliBinaries = [...new Set([...(existsSync('/usr/bin/aws') ? ['/usr/bin/aws'] : []), 'aws'])];
const runCli = promisify(execFile);

/** Runs one AWS CLI binary as test/helpers/aws-cli.ts does, with extra environment. */
function cliWith(bin: string, env: Record<string, string>, ...args: string[]) {
  return runCli(bin, [...args, '--endpoint-url', server.url, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'islet',
      AWS_SECRET_ACCESS_KEY: 'islet',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      ...env,
    },
  });
}

/** An AWS_DATA_PATH holding a CLI's own CloudWatch model switched to one protocol. */
async function cliModel(bin: string, protocol: string): Promise<string> {
  const debug = await cliWith(bin, {}, 'cloudwatch', 'list-metrics', '--debug');
  const file = /Loading JSON file: (\S*cloudwatch[\\/]2010-08-01[\\/]service-2\.json(?:\.gz)?)/.exec(
    debug.stderr,
  )?.[1];
  if (!file) throw new Error(`could not find the CloudWatch model of ${bin} in its --debug output`);
  const raw = readFileSync(file);
  const model = JSON.parse((file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
  Object.assign(model.metadata, {
    protocols: [protocol],
    protocol,
    jsonVersion: '1.0',
    targetPrefix: 'GraniteServiceVersion20100801',
    awsQueryCompatible: {},
  });
  const root = join(dir, `${cliBinaries.indexOf(bin)}-${protocol}`);
  mkdirSync(join(root, 'cloudwatch', '2010-08-01'), { recursive: true });
  writeFileSync(join(root, 'cloudwatch', '2010-08-01', 'service-2.json'), JSON.stringify(model));
  return root;
}

describe('the AWS CLI', () => {
  const args = [
    'cloudwatch',
    'get-metric-statistics',
    '--namespace',
    'AWS/Lambda',
    '--metric-name',
    'Invocations',
    '--dimensions',
    'Name=FunctionName,Value=measured',
    '--start-time',
    start.toISOString(),
    '--end-time',
    end.toISOString(),
  ];

  it('reads statistics and metric data, and reports errors with their code', async () => {
    const out = JSON.parse(
      (await awsCli(server.url, ...args, '--period', '1200', '--statistics', 'Sum')).stdout,
    );
    expect(out.Datapoints.map((d: { Sum: number }) => d.Sum)).toEqual([7]);
    const data = JSON.parse(
      (
        await awsCli(
          server.url,
          'cloudwatch',
          'get-metric-data',
          '--start-time',
          start.toISOString(),
          '--end-time',
          end.toISOString(),
          '--metric-data-queries',
          JSON.stringify([
            {
              Id: 'errors',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: fn },
                Period: 1200,
                Stat: 'Sum',
              },
            },
          ]),
        )
      ).stdout,
    );
    expect(data.MetricDataResults[0].Values).toEqual([2]);
    const listed = JSON.parse(
      (await awsCli(server.url, 'cloudwatch', 'list-metrics', '--metric-name', 'ColdStarts')).stdout,
    );
    expect(listed.Metrics).toHaveLength(2);
    const bad = await rejection(awsCli(server.url, ...args, '--period', '61', '--statistics', 'Sum'));
    expect(bad.stderr).toContain(
      'An error occurred (InvalidParameterValue) when calling the GetMetricStatistics operation: The parameter Period must be a multiple of 60',
    );
  });

  // Each CLI speaks the protocol its model names first; switching the model tries the others.
  for (const protocol of ['json', 'smithy-rpc-v2-cbor', 'query'] as const) {
    it(`works when a CLI speaks ${protocol}`, async (ctx) => {
      let tried = 0;
      for (const bin of cliBinaries) {
        const env = { AWS_DATA_PATH: await cliModel(bin, protocol) };
        let out: { stdout: string };
        try {
          out = await cliWith(
            bin,
            env,
            ...args,
            '--period',
            '1200',
            '--statistics',
            'Sum',
            '--extended-statistics',
            'p99',
          );
        } catch (e) {
          // An older CLI without this protocol fails with the protocol's name as a KeyError.
          if ((e as { stderr?: string }).stderr?.trim() === `'${protocol}'`) continue;
          throw e;
        }
        tried++;
        const stats = JSON.parse(out.stdout);
        expect(stats.Datapoints).toHaveLength(1);
        expect(stats.Datapoints[0].Sum).toBe(7);
        expect(stats.Datapoints[0].ExtendedStatistics.p99).toBe(1);
        const bad = await rejection(cliWith(bin, env, ...args, '--period', '1200'));
        expect(bad.stderr).toContain(
          'An error occurred (InvalidParameterCombination) when calling the GetMetricStatistics operation: At least one of the parameters Statistics and ExtendedStatistics must be specified.',
        );
      }
      if (tried === 0) ctx.skip(`no AWS CLI here speaks ${protocol}`);
    });
  }
});
