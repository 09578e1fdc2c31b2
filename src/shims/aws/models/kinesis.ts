import { exception, exceptionBase, type ServiceModel } from '../v3';

const base = exceptionBase('Kinesis');

/** Every Kinesis operation: a command class exists for each; the host answers the ones islet offers. */
const operations = [
  'AddTagsToStream',
  'CreateStream',
  'DecreaseStreamRetentionPeriod',
  'DeleteResourcePolicy',
  'DeleteStream',
  'DeregisterStreamConsumer',
  'DescribeAccountSettings',
  'DescribeLimits',
  'DescribeStream',
  'DescribeStreamConsumer',
  'DescribeStreamSummary',
  'DisableEnhancedMonitoring',
  'EnableEnhancedMonitoring',
  'GetRecords',
  'GetResourcePolicy',
  'GetShardIterator',
  'IncreaseStreamRetentionPeriod',
  'ListShards',
  'ListStreamConsumers',
  'ListStreams',
  'ListTagsForResource',
  'ListTagsForStream',
  'MergeShards',
  'PutRecord',
  'PutRecords',
  'PutResourcePolicy',
  'RegisterStreamConsumer',
  'RemoveTagsFromStream',
  'SplitShard',
  'StartStreamEncryption',
  'StopStreamEncryption',
  'SubscribeToShard',
  'TagResource',
  'UntagResource',
  'UpdateShardCount',
  'UpdateStreamMode',
] as const;

const exceptionNames = [
  'AccessDeniedException',
  'ExpiredIteratorException',
  'ExpiredNextTokenException',
  'InternalFailureException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'KMSThrottlingException',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'ResourceInUseException',
  'ResourceNotFoundException',
  'ValidationException',
];

/** Kinesis as functions call it: records with Data as bytes. */
export const kinesisModel: ServiceModel = {
  service: 'kinesis',
  clientName: 'Kinesis',
  operations,
  base,
  exceptions: Object.fromEntries(exceptionNames.map((n) => [n, exception(base, n)])),
};

/** v2 (`aws-sdk`) sends a string given as Data as its UTF-8 bytes. */
export const kinesisV2Model: ServiceModel = {
  ...kinesisModel,
  input: (op, input) => {
    const utf8 = (r: unknown) => {
      const rec = r as Record<string, unknown> | null;
      return rec && typeof rec.Data === 'string' ? { ...rec, Data: new TextEncoder().encode(rec.Data) } : r;
    };
    if (op === 'PutRecord') return utf8(input);
    if (op === 'PutRecords' && Array.isArray(input.Records))
      return { ...input, Records: input.Records.map(utf8) };
    return input;
  },
};
