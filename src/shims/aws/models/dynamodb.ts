import { exception, exceptionBase, type ServiceModel } from '../v3';

const base = exceptionBase('DynamoDB');

/** Every DynamoDB operation: a command class exists for each; the host answers the ones islet offers. */
const operations = [
  'BatchExecuteStatement',
  'BatchGetItem',
  'BatchWriteItem',
  'CreateBackup',
  'CreateGlobalTable',
  'CreateTable',
  'DeleteBackup',
  'DeleteItem',
  'DeleteResourcePolicy',
  'DeleteTable',
  'DescribeBackup',
  'DescribeContinuousBackups',
  'DescribeContributorInsights',
  'DescribeEndpoints',
  'DescribeExport',
  'DescribeGlobalTable',
  'DescribeGlobalTableSettings',
  'DescribeImport',
  'DescribeKinesisStreamingDestination',
  'DescribeLimits',
  'DescribeTable',
  'DescribeTableReplicaAutoScaling',
  'DescribeTimeToLive',
  'DisableKinesisStreamingDestination',
  'EnableKinesisStreamingDestination',
  'ExecuteStatement',
  'ExecuteTransaction',
  'ExportTableToPointInTime',
  'GetItem',
  'GetResourcePolicy',
  'ImportTable',
  'ListBackups',
  'ListContributorInsights',
  'ListExports',
  'ListGlobalTables',
  'ListImports',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'PutResourcePolicy',
  'Query',
  'RestoreTableFromBackup',
  'RestoreTableToPointInTime',
  'Scan',
  'TagResource',
  'TransactGetItems',
  'TransactWriteItems',
  'UntagResource',
  'UpdateContinuousBackups',
  'UpdateContributorInsights',
  'UpdateGlobalTable',
  'UpdateGlobalTableSettings',
  'UpdateItem',
  'UpdateKinesisStreamingDestination',
  'UpdateTable',
  'UpdateTableReplicaAutoScaling',
  'UpdateTimeToLive',
] as const;

const exceptionNames = [
  'BackupInUseException',
  'BackupNotFoundException',
  'ConditionalCheckFailedException',
  'ContinuousBackupsUnavailableException',
  'DuplicateItemException',
  'IdempotentParameterMismatchException',
  'IndexNotFoundException',
  'InternalServerError',
  'InvalidEndpointException',
  'ItemCollectionSizeLimitExceededException',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'ReplicatedWriteConflictException',
  'RequestLimitExceeded',
  'ResourceInUseException',
  'ResourceNotFoundException',
  'TableAlreadyExistsException',
  'TableInUseException',
  'TableNotFoundException',
  'ThrottlingException',
  'TransactionConflictException',
  'TransactionInProgressException',
  // Not a class in the real SDK (it throws DynamoDBServiceException named so); offered for instanceof.
  'ValidationException',
];

/**
 * TransactionCanceledException with CancellationReasons. The reasons reach the sandbox inside the
 * message DynamoDB writes ("... reasons [ConditionalCheckFailed, None]"), so they are read back
 * from it: Code per item; the Item and Message of each reason are not available.
 */
class TransactionCanceledException extends base {
  CancellationReasons: { Code: string }[] | undefined;
  Message: string;
  constructor(shape: { message: string }) {
    super({ ...shape, name: 'TransactionCanceledException' });
    this.Message = shape.message;
    const m = /\[([A-Za-z, ]*)\]\s*$/.exec(shape.message ?? '');
    this.CancellationReasons = m
      ? m[1]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((Code) => ({ Code }))
      : undefined;
  }
}
Object.defineProperty(TransactionCanceledException, 'name', { value: 'TransactionCanceledException' });

/** DynamoDB as functions call it: low-level DynamoDB JSON in and out (B values are Uint8Array). */
export const dynamodbModel: ServiceModel = {
  service: 'dynamodb',
  clientName: 'DynamoDB',
  operations,
  base,
  exceptions: {
    ...Object.fromEntries(exceptionNames.map((n) => [n, exception(base, n)])),
    TransactionCanceledException,
  },
};
