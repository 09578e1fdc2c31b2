import { type Context, Hono } from 'hono';
import { logGroupArn } from '../../arns';
import type { LogGroupInfo, LogStreamInfo } from '../../store/log-store';
import {
  functionOfGroup,
  LogQueries,
  LogsError,
  logGroupName,
  type StoredEvent,
} from '../../telemetry/log-queries';
import type { ServerDeps } from '../context';
import { dispatch, type Operation, type Service } from '../protocols/dispatch';
import { awsJson, plainErrorNames } from '../protocols/json-rpc';
import { MemberError, type Members, members } from '../protocols/members';

const targetPrefix = 'Logs_20140328.';
const groupNamePattern = /^[.\-_/#A-Za-z0-9]+$/;
const streamNamePattern = /^[^:*]*$/;

const faults: Omit<Service, 'operations'> = {
  faultOf(e) {
    if (e instanceof LogsError) return { code: e.type, message: e.message, status: 400 };
    if (e instanceof MemberError)
      return { code: 'InvalidParameterException', message: e.message, status: 400 };
    return undefined;
  },
  unknownOperation: (name) => ({
    code: 'UnknownOperationException',
    message: `islet does not support the CloudWatch Logs operation ${name.slice(0, 80)}`,
    status: 400,
  }),
  internal: (reference) => ({
    code: 'ServiceUnavailableException',
    message: `Internal error; reference = ${reference}`,
    status: 500,
  }),
};

/**
 * CloudWatch Logs over islet's invocation logs (JSON 1.1, `X-Amz-Target: Logs_20140328.*`), so
 * `aws logs ...` and the SDK read them: log group /aws/lambda/NAME per function, one stream per
 * execution environment. Translation only; the reading is telemetry/log-queries.
 */
export function logsRoutes(deps: ServerDeps): Hono {
  const { account, logger } = deps;
  const logs = new LogQueries(deps.telemetry.logs);
  const groupArn = (fn: string) => logGroupArn(account, logGroupName(fn));
  const groupOut = (g: LogGroupInfo) => ({
    logGroupName: logGroupName(g.functionName),
    creationTime: g.createdMs,
    retentionInDays: g.retentionDays,
    metricFilterCount: 0,
    arn: `${groupArn(g.functionName)}:*`,
    logGroupArn: groupArn(g.functionName),
    storedBytes: g.storedBytes,
    logGroupClass: 'STANDARD',
  });
  const streamOut = (fn: string) => (s: LogStreamInfo) => ({
    logStreamName: s.stream,
    creationTime: s.firstMs,
    firstEventTimestamp: s.firstMs,
    lastEventTimestamp: s.lastMs,
    lastIngestionTime: s.lastMs,
    arn: `${groupArn(fn)}:log-stream:${s.stream}`,
    storedBytes: s.storedBytes,
  });
  const eventOut = (e: StoredEvent) => ({
    timestamp: e.timestamp,
    message: e.message,
    ingestionTime: e.ingestionTime,
  });

  const operations: Record<string, Operation> = {
    DescribeLogGroups(input) {
      const m = members(input);
      const prefix = m.string('logGroupNamePrefix', { min: 1, max: 512, pattern: groupNamePattern });
      const pattern = m.string('logGroupNamePattern', { max: 512, pattern: /^[.\-_/#A-Za-z0-9]*$/ });
      if (prefix !== undefined && pattern !== undefined) {
        throw new LogsError(
          'InvalidParameterException',
          'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
        );
      }
      const page = logs.describeGroups({
        prefix,
        pattern: pattern || undefined,
        limit: m.integer('limit', { min: 1, max: 50 }) ?? 50,
        nextToken: m.string('nextToken', { min: 1 }),
      });
      return { logGroups: page.groups.map(groupOut), nextToken: page.nextToken };
    },
    DescribeLogStreams(input) {
      const m = members(input);
      const fn = functionOf(m, true);
      const prefix = m.string('logStreamNamePrefix', { min: 1, max: 512, pattern: streamNamePattern });
      const orderBy = m.string('orderBy', { pattern: /^(LogStreamName|LastEventTime)$/ }) ?? 'LogStreamName';
      if (orderBy === 'LastEventTime' && prefix !== undefined) {
        throw new LogsError(
          'InvalidParameterException',
          'Cannot order by LastEventTime with a logStreamNamePrefix.',
        );
      }
      const page = logs.describeStreams(fn, {
        prefix,
        orderBy: orderBy as 'LogStreamName' | 'LastEventTime',
        descending: m.boolean('descending') ?? false,
        limit: m.integer('limit', { min: 1, max: 50 }) ?? 50,
        nextToken: m.string('nextToken', { min: 1 }),
      });
      return { logStreams: page.streams.map(streamOut(fn)), nextToken: page.nextToken };
    },
    GetLogEvents(input) {
      const m = members(input);
      const fn = functionOf(m, true);
      const stream = m.string('logStreamName', {
        required: true,
        min: 1,
        max: 512,
        pattern: streamNamePattern,
      })!;
      const page = logs.getEvents(fn, stream, {
        ...timeRange(m),
        startFromHead: m.boolean('startFromHead') ?? false,
        limit: m.integer('limit', { min: 1, max: 10_000 }) ?? 10_000,
        nextToken: m.string('nextToken', { min: 1 }),
      });
      return {
        events: page.events.map(eventOut),
        nextForwardToken: page.nextForwardToken,
        nextBackwardToken: page.nextBackwardToken,
      };
    },
    FilterLogEvents(input) {
      const m = members(input);
      const fn = functionOf(m, true);
      const streams = m.stringList('logStreamNames', { min: 1, max: 100 });
      const streamPrefix = m.string('logStreamNamePrefix', { min: 1, max: 512, pattern: streamNamePattern });
      if (streams && streamPrefix !== undefined) {
        throw new LogsError(
          'InvalidParameterException',
          'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.',
        );
      }
      const page = logs.filterEvents(fn, {
        streams,
        streamPrefix,
        ...timeRange(m),
        pattern: m.string('filterPattern', { max: 1024 }),
        limit: m.integer('limit', { min: 1, max: 10_000 }) ?? 10_000,
        nextToken: m.string('nextToken', { min: 1 }),
      });
      return {
        events: page.events.map((e) => ({ logStreamName: e.stream, ...eventOut(e), eventId: e.eventId })),
        searchedLogStreams: [],
        nextToken: page.nextToken,
      };
    },
    PutRetentionPolicy(input) {
      const m = members(input);
      const fn = functionOf(m, false);
      logs.putRetention(fn, m.integer('retentionInDays', { required: true })!);
      return {};
    },
    DeleteRetentionPolicy(input) {
      logs.deleteRetention(functionOf(members(input), false));
      return {};
    },
    DeleteLogGroup(input) {
      logs.deleteGroup(functionOf(members(input), false));
      return {};
    },
  };

  const app = new Hono({ strict: false });
  const codec = awsJson('1.1', {}, plainErrorNames);
  app.post('/', (c: Context) => {
    const target = c.req.header('x-amz-target') ?? '';
    // A target of another service names no operation here.
    return target.startsWith(targetPrefix)
      ? dispatch(c, codec, target.slice(targetPrefix.length), { operations, ...faults }, logger)
      : dispatch(c, codec, target, { operations: {}, ...faults }, logger);
  });
  return app;
}

/** The function whose log group a request names (logGroupName, or logGroupIdentifier where allowed). */
function functionOf(m: Members, identifierAllowed: boolean): string {
  const name = m.string('logGroupName', { min: 1, max: 512, pattern: groupNamePattern });
  const identifier = identifierAllowed
    ? m.string('logGroupIdentifier', { min: 1, max: 2048, pattern: /^[\w#+=/:,.@-]*$/ })
    : undefined;
  if (name !== undefined && identifier !== undefined) {
    throw new LogsError(
      'InvalidParameterException',
      'LogGroup name and LogGroup identifier are mutually exclusive parameters.',
    );
  }
  if (name === undefined && identifier === undefined) {
    if (!identifierAllowed) m.string('logGroupName', { required: true });
    throw new LogsError(
      'InvalidParameterException',
      'Should provide either a logGroupName or a logGroupIdentifier.',
    );
  }
  // An identifier is the group's name or its ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]).
  const group = name ?? identifier!.replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, '').replace(/:\*$/, '');
  const fn = functionOfGroup(group);
  if (fn === undefined) {
    throw new LogsError('ResourceNotFoundException', 'The specified log group does not exist.');
  }
  return fn;
}

function timeRange(m: Members): { startMs?: number; endMs?: number } {
  const startMs = m.integer('startTime', { min: 0 });
  const endMs = m.integer('endTime', { min: 0 });
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw new LogsError('InvalidParameterException', 'endTime must be greater than or equal to startTime.');
  }
  return { startMs, endMs };
}
