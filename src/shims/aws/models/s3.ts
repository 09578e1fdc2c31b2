import { collectBody, ObjectBody, toBuffer } from '../s3-body';
import { exception, exceptionBase, type ServiceModel } from '../v3';

const base = exceptionBase('S3');
const exceptionNames = [
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'NoSuchUpload',
  'AccessDenied',
  'BucketAlreadyExists',
  'BucketAlreadyOwnedByYou',
  'InvalidObjectState',
  'InvalidRequest',
  'ObjectNotInActiveTierError',
  'ObjectAlreadyInActiveTierError',
  'EncryptionTypeMismatch',
  'InvalidWriteOffset',
  'TooManyParts',
];
const exceptions = Object.fromEntries(exceptionNames.map((n) => [n, exception(base, n)]));

/** What islet's S3 service answers (services/s3-request.ts holds the same list). */
const supported = [
  'GetObject',
  'PutObject',
  'HeadObject',
  'DeleteObject',
  'DeleteObjects',
  'ListObjectsV2',
  'ListObjects',
  'CopyObject',
  'ListBuckets',
  'HeadBucket',
  'CreateBucket',
  'DeleteBucket',
];
/**
 * Operations functions commonly use that islet does not offer yet: their commands exist, so
 * that code using them gets S3's answer naming the operation rather than "not a constructor".
 */
const offeredLater = [
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  'ListObjectVersions',
  'GetObjectAttributes',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
  'PutObjectAcl',
  'RestoreObject',
  'SelectObjectContent',
  'GetBucketLocation',
  'GetBucketVersioning',
  'PutBucketVersioning',
  'GetBucketPolicy',
  'PutBucketPolicy',
  'GetBucketTagging',
  'PutBucketTagging',
  'GetBucketCors',
  'PutBucketCors',
  'GetBucketLifecycleConfiguration',
  'PutBucketLifecycleConfiguration',
  'GetBucketNotificationConfiguration',
  'PutBucketNotificationConfiguration',
  'GetBucketEncryption',
  'WriteGetObjectResponse',
];

/** An S3 client error raised inside the sandbox, shaped like one the service returned. */
function clientError(name: string, message: string): Error {
  const Cls = exceptions[name] ?? base;
  const e = new Cls({ message, name }) as Error & Record<string, unknown>;
  e.name = name;
  e.code = name;
  e.statusCode = 400;
  e.$fault = 'client';
  e.$metadata = { httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 };
  return e;
}

/** S3 as functions call it: objects and buckets on the endpoint islet routes each bucket to. */
export const s3Model: ServiceModel = {
  service: 's3',
  clientName: 'S3',
  operations: [...supported, ...offeredLater],
  base,
  exceptions,
  // Only bytes cross to the host: a stream or Blob body is read here, under the size cap.
  input: async (_op, input) =>
    input.Body === undefined || input.Body === null
      ? input
      : { ...input, Body: await collectBody(input.Body, clientError) },
  output: (op, output) =>
    op === 'GetObject' && output.Body instanceof Uint8Array
      ? { ...output, Body: new ObjectBody(output.Body) }
      : output,
  // v2 hands the body back as a Buffer.
  v2Output: (op, output) =>
    op === 'GetObject' && output.Body instanceof Uint8Array
      ? { ...output, Body: toBuffer(output.Body) }
      : output,
};
