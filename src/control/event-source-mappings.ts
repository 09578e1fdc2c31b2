import { randomUUID } from 'node:crypto';
import { InvalidParameterValueError } from '../errors';
import type { MappingRecord } from '../store/mapping-store';
import { functionArnPattern } from './function-ref';

const kinesisArn = /^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]{1,128}$/;
const tableStreamArn =
  /^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[a-zA-Z0-9_.-]{3,255}\/stream\/[0-9T:.-]{1,64}$/;

function int(value: unknown, name: string, min: number, max: number, allowMinusOne = false): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    ((value < min || value > max) && !(allowMinusOne && value === -1))
  ) {
    throw new InvalidParameterValueError(
      `'${String(value).slice(0, 40)}' at '${name}' failed to satisfy constraint: Member must be ${allowMinusOne ? '-1 or ' : ''}an integer between ${min} and ${max}`,
    );
  }
  return value;
}

/**
 * Validates CreateEventSourceMapping / UpdateEventSourceMapping input (the function name is
 * resolved by the caller) and returns the mapping to store.
 */
export function mappingFromInput(
  input: Record<string, unknown>,
  functionName: string,
  existing?: MappingRecord,
): MappingRecord {
  const m: MappingRecord = existing
    ? { ...existing, functionName }
    : {
        uuid: randomUUID(),
        functionName,
        eventSourceArn: '',
        batchSize: 100,
        maximumBatchingWindowInSeconds: 0,
        startingPosition: 'LATEST',
        enabled: true,
        bisectBatchOnFunctionError: false,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        reportBatchItemFailures: false,
        lastModified: 0,
      };
  if (!existing) {
    const arn = input.EventSourceArn;
    const fromTable = typeof arn === 'string' && tableStreamArn.test(arn);
    if (typeof arn !== 'string' || (!kinesisArn.test(arn) && !fromTable)) {
      throw new InvalidParameterValueError(
        'EventSourceArn must be a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME) or a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL); other sources are not supported yet',
      );
    }
    m.eventSourceArn = arn;
    const pos = input.StartingPosition;
    if (pos !== 'TRIM_HORIZON' && pos !== 'LATEST' && pos !== 'AT_TIMESTAMP') {
      throw new InvalidParameterValueError(
        'StartingPosition is required for stream sources: TRIM_HORIZON, LATEST or AT_TIMESTAMP',
      );
    }
    if (fromTable && pos === 'AT_TIMESTAMP') {
      throw new InvalidParameterValueError(
        'StartingPosition AT_TIMESTAMP is not supported for DynamoDB streams: use TRIM_HORIZON or LATEST',
      );
    }
    m.startingPosition = pos;
    if (pos === 'AT_TIMESTAMP') {
      const ts = input.StartingPositionTimestamp;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) {
        throw new InvalidParameterValueError('StartingPositionTimestamp is required with AT_TIMESTAMP');
      }
      m.startingPositionTimestamp = ts;
    }
  } else if (input.EventSourceArn !== undefined || input.StartingPosition !== undefined) {
    throw new InvalidParameterValueError(
      'EventSourceArn and StartingPosition cannot be changed; create a new mapping',
    );
  }
  if (input.BatchSize !== undefined) m.batchSize = int(input.BatchSize, 'batchSize', 1, 10_000);
  if (input.MaximumBatchingWindowInSeconds !== undefined) {
    m.maximumBatchingWindowInSeconds = int(
      input.MaximumBatchingWindowInSeconds,
      'maximumBatchingWindowInSeconds',
      0,
      300,
    );
  }
  if (input.Enabled !== undefined) {
    if (typeof input.Enabled !== 'boolean') throw new InvalidParameterValueError('Enabled must be a boolean');
    m.enabled = input.Enabled;
  }
  if (input.BisectBatchOnFunctionError !== undefined) {
    if (typeof input.BisectBatchOnFunctionError !== 'boolean') {
      throw new InvalidParameterValueError('BisectBatchOnFunctionError must be a boolean');
    }
    m.bisectBatchOnFunctionError = input.BisectBatchOnFunctionError;
  }
  if (input.MaximumRetryAttempts !== undefined) {
    m.maximumRetryAttempts = int(input.MaximumRetryAttempts, 'maximumRetryAttempts', 0, 10_000, true);
  }
  if (input.MaximumRecordAgeInSeconds !== undefined) {
    m.maximumRecordAgeInSeconds = int(
      input.MaximumRecordAgeInSeconds,
      'maximumRecordAgeInSeconds',
      60,
      604_800,
      true,
    );
  }
  if (input.FunctionResponseTypes !== undefined) {
    const types = input.FunctionResponseTypes;
    if (!Array.isArray(types) || !types.every((t) => t === 'ReportBatchItemFailures')) {
      throw new InvalidParameterValueError('FunctionResponseTypes may only contain ReportBatchItemFailures');
    }
    m.reportBatchItemFailures = types.length > 0;
  }
  if (input.DestinationConfig !== undefined) {
    const dest = (input.DestinationConfig as { OnFailure?: { Destination?: unknown } } | null)?.OnFailure
      ?.Destination;
    if (dest === undefined || dest === null || dest === '') m.onFailure = undefined;
    else if (typeof dest !== 'string' || !functionArnPattern.test(dest)) {
      throw new InvalidParameterValueError(
        'DestinationConfig.OnFailure.Destination must be a Lambda function ARN',
      );
    } else m.onFailure = dest;
  }
  if (input.ParallelizationFactor !== undefined && input.ParallelizationFactor !== 1) {
    throw new InvalidParameterValueError(
      'islet processes one batch per shard at a time: ParallelizationFactor must be 1',
    );
  }
  m.lastModified = Date.now() / 1000;
  return m;
}

/** Lambda allows one mapping per (event source, function) pair. */
export function assertNewMapping(existing: MappingRecord[], m: MappingRecord): void {
  if (existing.some((x) => x.eventSourceArn === m.eventSourceArn && x.functionName === m.functionName)) {
    throw new InvalidParameterValueError(
      `The event source arn (${m.eventSourceArn}) and function (${m.functionName}) provided mapping already exists. Please update or delete the existing mapping`,
    );
  }
}
