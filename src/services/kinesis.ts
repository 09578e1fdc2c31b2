import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisStreamArn } from '../arns';
import type { Endpoint, ServiceEndpoints } from './endpoints';
import { type Service, ServiceCallFailure } from './host';
import {
  type Account,
  clientSettings,
  EndpointClients,
  nestedDeeperThan,
  type Permission,
  sendUpstream,
} from './upstream';

type AnyCommand = new (input: any) => any;

/** The Kinesis operations a function can call, with the SDK command that runs each upstream. */
const commands: Record<string, AnyCommand> = {
  PutRecord: PutRecordCommand,
  PutRecords: PutRecordsCommand,
  ListStreams: ListStreamsCommand,
  DescribeStreamSummary: DescribeStreamSummaryCommand,
};

const streamNamePattern = /^[a-zA-Z0-9_.-]{1,128}$/;
const streamArnPattern = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;

/** What a Kinesis call touches: its stream (absent for ListStreams), the permission, and the input to send. */
export interface KinesisAccess {
  stream?: string;
  permission: Permission;
  /** The input with the stream named by StreamName (the ARN, when given, is resolved to it). */
  input: Record<string, unknown>;
}

function invalid(code: string, message: string): ServiceCallFailure {
  return new ServiceCallFailure(code, message);
}

function isBytes(v: unknown): boolean {
  return v instanceof Uint8Array || typeof v === 'string';
}

/**
 * The stream a call names (StreamName or StreamARN), the permission it needs (`kinesis:<Operation>`
 * on the stream's ARN; ListStreams on `*`) and the input to send upstream. Throws the service's
 * validation errors for a missing or malformed stream, or records without data.
 */
export function kinesisAccess(op: string, input: Record<string, unknown>, account: Account): KinesisAccess {
  const action = `kinesis:${op}`;
  if (op === 'ListStreams') return { permission: { action, resource: '*' }, input };
  const { StreamName: name, StreamARN: arn } = input;
  let stream: string;
  let resource: string;
  if (arn !== undefined) {
    const m = typeof arn === 'string' ? streamArnPattern.exec(arn) : null;
    if (!m) {
      throw invalid(
        'ValidationException',
        `1 validation error detected: Value at 'streamARN' failed to satisfy constraint: Member must be a Kinesis stream ARN`,
      );
    }
    stream = m[1]!;
    resource = arn as string;
    if (name !== undefined && name !== stream) {
      throw invalid('InvalidArgumentException', 'StreamName and StreamARN name different streams');
    }
  } else {
    if (typeof name !== 'string' || !streamNamePattern.test(name)) {
      throw invalid(
        'ValidationException',
        name === undefined
          ? `1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null`
          : `1 validation error detected: Value at 'streamName' failed to satisfy constraint: Member must be 1 to 128 characters of [a-zA-Z0-9_.-]`,
      );
    }
    stream = name;
    resource = kinesisStreamArn(account, name);
  }
  if (op === 'PutRecord' && !isBytes(input.Data)) {
    throw invalid('ValidationException', 'PutRecord: Data must be bytes (Uint8Array, Buffer) or a string');
  }
  if (op === 'PutRecords') {
    const records = input.Records;
    if (!Array.isArray(records) || records.length === 0 || records.length > 500) {
      throw invalid('ValidationException', 'PutRecords: Records must be a list of 1 to 500 records');
    }
    records.forEach((r, i) => {
      if (r === null || typeof r !== 'object' || !isBytes((r as { Data?: unknown }).Data)) {
        throw invalid(
          'ValidationException',
          `PutRecords: records.${i + 1}.Data must be bytes (Uint8Array, Buffer) or a string`,
        );
      }
    });
  }
  const { StreamARN: _, ...rest } = input;
  return { stream, permission: { action, resource }, input: { ...rest, StreamName: stream } };
}

/** Which backend serves a stream: the endpoint the services file (or --kinesis-endpoint) gives it. */
function kinesisBackend(endpoints: ServiceEndpoints, stream: string | undefined, op: string): Endpoint {
  const e = endpoints.for('kinesis', stream ?? '');
  if (e) return e;
  throw new ServiceCallFailure(
    'ResourceNotFoundException',
    stream === undefined
      ? `no Kinesis endpoint is configured for ${op} (islet's services file has no kinesis.default)`
      : `no Kinesis endpoint is configured for stream '${stream}' (add it to islet's services file)`,
  );
}

/** Kinesis as functions call it: records in (Data as bytes), run by the real SDK upstream. */
export function kinesisService(deps: { endpoints: ServiceEndpoints; account: Account }): Service & {
  close(): void;
} {
  const { endpoints, account } = deps;
  const clients = new EndpointClients((e) => new KinesisClient(clientSettings(e)));
  const service: Service = async (op, input, ctx) => {
    const Command = Object.hasOwn(commands, op) ? commands[op] : undefined;
    if (!Command) {
      throw new ServiceCallFailure(
        'UnknownOperationException',
        `islet's Kinesis does not offer ${op.slice(0, 64)}; it offers ${Object.keys(commands).join(', ')}`,
      );
    }
    if (nestedDeeperThan(input, 20)) {
      throw new ServiceCallFailure('ValidationException', `${op}: the input nests too deeply`);
    }
    const access = kinesisAccess(op, input, account);
    ctx.authorize(access.permission.action, access.permission.resource);
    const client = clients.for(kinesisBackend(endpoints, access.stream, op));
    const what =
      access.stream === undefined
        ? 'the Kinesis endpoint'
        : `the Kinesis endpoint for stream '${access.stream}'`;
    const output = await sendUpstream(what, ctx.signal, () =>
      client.send(new Command(access.input), { abortSignal: ctx.signal }),
    );
    const { $metadata: _, ...rest } = output as unknown as Record<string, unknown>;
    return rest;
  };
  return Object.assign(service, { close: () => clients.close() });
}
