import { dynamodbStreamProcessor } from './dynamodb-stream-processor';
import { helloWorld } from './hello-world';
import { httpEndpoint } from './http-endpoint';
import { kinesisProcessor } from './kinesis-processor';
import { s3ObjectProcessor } from './s3-object-processor';
import type { Blueprint } from './types';

export type { Blueprint } from './types';

/** The blueprints a new function can start from, in the order the console offers them. */
export const blueprints: Blueprint[] = [
  helloWorld,
  s3ObjectProcessor,
  kinesisProcessor,
  dynamodbStreamProcessor,
  httpEndpoint,
];
