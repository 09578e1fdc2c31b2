import { s3Model } from './models/s3';
import { type Command, clientModule, paginator } from './v3';

/** `@aws-sdk/client-s3` inside the sandbox. */
const s3 = clientModule(s3Model);

const command = (op: string) => s3[`${op}Command`] as new (input: Record<string, unknown>) => Command;
s3.paginateListObjectsV2 = paginator(
  command('ListObjectsV2'),
  'ContinuationToken',
  'NextContinuationToken',
  'MaxKeys',
);
s3.paginateListBuckets = paginator(
  command('ListBuckets'),
  'ContinuationToken',
  'ContinuationToken',
  'MaxBuckets',
);

export default s3;
