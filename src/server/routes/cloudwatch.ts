import { Hono } from 'hono';
import {
  type MetricName,
  MetricQueries,
  MetricQueryError,
  parseStatistic,
  type StatisticRequest,
} from '../../telemetry/metric-queries';
import type { ServerDeps } from '../context';
import { awsQuery, queryParameters } from '../protocols/aws-query';
import type { Fault, MemberTypes } from '../protocols/codec';
import { dispatch, type Operation, type Service } from '../protocols/dispatch';
import { awsJson, type ErrorNaming } from '../protocols/json-rpc';
import { at, MemberError, type Members, members } from '../protocols/members';
import { rpcV2Cbor } from '../protocols/rpc-v2-cbor';

const service = 'GraniteServiceVersion20100801';
const version = '2010-08-01';
const xmlNamespace = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

/** Members whose type the query protocol cannot tell from the wire. */
const types: MemberTypes = {
  StartTime: 'timestamp',
  EndTime: 'timestamp',
  Period: 'integer',
  MaxDatapoints: 'integer',
  ReturnData: 'boolean',
  IncludeLinkedAccounts: 'boolean',
};

/** The model's error shape for each awsQuery error code (what the JSON and CBOR wires name). */
const shapeOfCode: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  MissingParameter: 'MissingRequiredParameterException',
  InternalServiceError: 'InternalServiceFault',
};

/** CloudWatch was an awsQuery service: JSON and CBOR errors carry the query code in a header. */
const errorNames: ErrorNaming = {
  type: (code) => `com.amazonaws.cloudwatch#${shapeOfCode[code] ?? code}`,
  queryError: (fault: Fault) => `${fault.code};${fault.status >= 500 ? 'Receiver' : 'Sender'}`,
};

const units = new Set(
  'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None'.split(
    ' ',
  ),
);

const faults: Omit<Service, 'operations'> = {
  faultOf(e) {
    if (e instanceof MetricQueryError) return { code: e.code, message: e.message, status: 400 };
    if (e instanceof MemberError) {
      return e.problem === 'missing'
        ? { code: 'MissingParameter', message: e.message, status: 400 }
        : { code: 'InvalidParameterValue', message: e.message, status: 400 };
    }
    return undefined;
  },
  unknownOperation: (name) => ({
    code: 'InvalidAction',
    message: `Could not find operation ${name.slice(0, 80)} for version ${version}`,
    status: 400,
  }),
  internal: (reference) => ({
    code: 'InternalServiceError',
    message: `Internal error; reference = ${reference}`,
    status: 500,
  }),
};

const invalid = (message: string) => new MetricQueryError('InvalidParameterValue', message);

/** Namespace, MetricName and Dimensions of a request or of a MetricStat's Metric. */
function metricOf(m: Members): MetricName {
  return {
    namespace: m.string('Namespace', { required: true, min: 1, max: 255 })!,
    metricName: m.string('MetricName', { required: true, min: 1, max: 255 })!,
    dimensions: (m.list('Dimensions', { max: 30 }) ?? []).map((d, i) => {
      const dm = at(d, m.where(`Dimensions.member.${i + 1}`));
      return {
        name: dm.string('Name', { required: true, min: 1, max: 255 })!,
        value: dm.string('Value', { required: true, min: 1, max: 1024 })!,
      };
    }),
  };
}

function unitOf(m: Members): string | undefined {
  const unit = m.string('Unit');
  if (unit !== undefined && !units.has(unit)) {
    throw invalid(`The parameter Unit must be a value in the set [ ${[...units].join(', ')} ].`);
  }
  return unit;
}

/** The five basic statistics or percentiles, as GetMetricStatistics lists them. */
function statisticsOf(m: Members): StatisticRequest[] {
  const stats = (m.stringList('Statistics', { min: 1, max: 5 }) ?? []).map((name, i) => {
    const s = parseStatistic(name);
    if (!s || !('statistic' in s)) {
      throw invalid(
        `The parameter Statistics.member.${i + 1} must be a value in the set [ SampleCount, Average, Sum, Minimum, Maximum ].`,
      );
    }
    return s;
  });
  const extended = (m.stringList('ExtendedStatistics', { min: 1, max: 10 }) ?? []).map((name) => {
    const s = parseStatistic(name);
    if (!s || !('percentile' in s)) {
      throw invalid(
        `The value ${name.slice(0, 40)} for parameter ExtendedStatistics is not supported (islet answers percentiles p0 to p100).`,
      );
    }
    return s;
  });
  return [...stats, ...extended];
}

/**
 * CloudWatch GetMetricStatistics, GetMetricData and ListMetrics over islet's per-minute metrics,
 * in the three protocols clients use: awsJson 1.0 (the JS SDK), Smithy RPC v2 CBOR (the AWS CLI)
 * and awsQuery (older CLIs and SDKs). One handler per operation; the codecs only translate.
 */
export function cloudWatchRoutes(deps: ServerDeps): Hono {
  const metrics = new MetricQueries(deps.telemetry.metrics);
  const operations: Record<string, Operation> = {
    GetMetricStatistics(input) {
      const m = members(input);
      const metric = metricOf(m);
      const datapoints = metrics.statistics(metric, {
        start: m.timestamp('StartTime', { required: true })!,
        end: m.timestamp('EndTime', { required: true })!,
        periodSec: m.integer('Period', { required: true, min: 1 })!,
        stats: statisticsOf(m),
        unit: unitOf(m),
      });
      return {
        Label: metric.metricName,
        Datapoints: datapoints.map((d) => ({
          Timestamp: d.timestamp,
          ...d.values,
          Unit: d.unit,
          ExtendedStatistics: Object.keys(d.extended).length ? d.extended : undefined,
        })),
      };
    },
    GetMetricData(input) {
      const m = members(input);
      const ids = new Set<string>();
      const queries = m.list('MetricDataQueries', { required: true, min: 1, max: 500 })!.map((raw, i) => {
        const where = `MetricDataQueries.member.${i + 1}`;
        const q = at(raw, where);
        const id = q.string('Id', { required: true, min: 1, max: 255 })!;
        if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
          throw invalid(
            `The value ${id.slice(0, 40)} for parameter ${where}.Id is not valid: it must start with a lowercase letter and hold only letters, digits and underscores.`,
          );
        }
        if (ids.has(id)) throw invalid('The values for parameter id in MetricDataQueries are not unique.');
        ids.add(id);
        if (q.raw('Expression') !== undefined) {
          throw invalid(
            `islet does not support metric math: ${where} has an Expression; use MetricStat queries only.`,
          );
        }
        const stat = q.structure('MetricStat');
        if (!stat) {
          throw new MetricQueryError(
            'MissingParameter',
            `The parameter ${where}.MetricStat is required (islet supports MetricStat queries only).`,
          );
        }
        const statName = stat.string('Stat', { required: true, min: 1 })!;
        const parsed = parseStatistic(statName);
        if (!parsed) {
          throw invalid(
            `The value ${statName.slice(0, 40)} for parameter ${where}.MetricStat.Stat is not supported (SampleCount, Average, Sum, Minimum, Maximum or p0 to p100).`,
          );
        }
        const periodSec = stat.integer('Period', { required: true, min: 1 })!;
        if (periodSec < 60 || periodSec % 60 !== 0) {
          throw invalid(
            `The parameter ${where}.MetricStat.Period must be a multiple of 60 (islet keeps one-minute data).`,
          );
        }
        return {
          id,
          label: q.string('Label'),
          returnData: q.boolean('ReturnData') ?? true,
          metric: metricOf(stat.structure('Metric', { required: true })!),
          periodSec,
          stat: parsed,
          unit: unitOf(stat),
        };
      });
      const scanBy = m.string('ScanBy') ?? 'TimestampDescending';
      if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
        throw invalid(
          'The parameter ScanBy must be a value in the set [ TimestampDescending, TimestampAscending ].',
        );
      }
      const out = metrics.data(queries, {
        start: m.timestamp('StartTime', { required: true })!,
        end: m.timestamp('EndTime', { required: true })!,
        ascending: scanBy === 'TimestampAscending',
        maxDatapoints: m.integer('MaxDatapoints', { min: 1 }) ?? 100_800,
        nextToken: m.string('NextToken'),
      });
      return {
        MetricDataResults: out.results.map((r) => ({
          Id: r.id,
          Label: r.label,
          Timestamps: r.timestamps,
          Values: r.values,
          StatusCode: r.complete ? 'Complete' : 'PartialData',
        })),
        NextToken: out.nextToken,
        Messages: [],
      };
    },
    ListMetrics(input) {
      const m = members(input);
      const recently = m.string('RecentlyActive');
      if (recently !== undefined && recently !== 'PT3H') {
        throw invalid('The parameter RecentlyActive must be a value in the set [ PT3H ].');
      }
      const out = metrics.list({
        namespace: m.string('Namespace', { min: 1, max: 255 }),
        metricName: m.string('MetricName', { min: 1, max: 255 }),
        dimensions: (m.list('Dimensions', { max: 10 }) ?? []).map((d, i) => {
          const dm = at(d, `Dimensions.member.${i + 1}`);
          return {
            name: dm.string('Name', { required: true, min: 1, max: 255 })!,
            value: dm.string('Value', { min: 1, max: 1024 }),
          };
        }),
        recentlyActive: recently === 'PT3H',
        nextToken: m.string('NextToken'),
      });
      return {
        Metrics: out.metrics.map((x) => ({
          Namespace: x.namespace,
          MetricName: x.metricName,
          Dimensions: x.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        })),
        NextToken: out.nextToken,
      };
    },
  };
  const cloudWatch: Service = { operations, ...faults };
  const json = awsJson('1.0', types, errorNames);
  const cbor = rpcV2Cbor(errorNames);
  const query = awsQuery({ namespace: xmlNamespace, types, maps: new Set(['ExtendedStatistics']) });
  const action = (body: Buffer, params: URLSearchParams) => queryParameters(body, params).get('Action') ?? '';

  const app = new Hono({ strict: false });
  app.post(`/service/${service}/operation/:operation`, (c) =>
    dispatch(c, cbor, c.req.param('operation'), cloudWatch, deps.logger),
  );
  app.post('/', (c) => {
    const target = c.req.header('x-amz-target');
    if (target === undefined) return dispatch(c, query, action, cloudWatch, deps.logger);
    // A target of another service names no operation here.
    return target.startsWith(`${service}.`)
      ? dispatch(c, json, target.slice(service.length + 1), cloudWatch, deps.logger)
      : dispatch(c, json, target, { ...cloudWatch, operations: {} }, deps.logger);
  });
  app.get('/', (c) => dispatch(c, query, action, cloudWatch, deps.logger));
  return app;
}
