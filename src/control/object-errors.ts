import { S3Error } from './notifications';

/** An S3 error with the extra elements S3 puts in its `<Error>` (Key, BucketName, ActualObjectSize...). */
export class S3Failure extends S3Error {
  constructor(
    code: string,
    status: number,
    message: string,
    readonly detail: Record<string, string> = {},
  ) {
    super(code, status, message);
  }
}

/** The errors the embedded S3 answers with, in S3's words and statuses. */
export const s3Errors = {
  noSuchBucket: (bucket: string) =>
    new S3Failure('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new S3Failure('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new S3Failure(
      'NoSuchUpload',
      404,
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    ),
  invalidBucketName: (bucket: string) =>
    new S3Failure('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket }),
  keyTooLong: (bytes: number, max: number) =>
    new S3Failure('KeyTooLongError', 400, 'Your key is too long', {
      Size: String(bytes),
      MaxSizeAllowed: String(max),
    }),
  entityTooLarge: (size: number | undefined, max: number) =>
    new S3Failure('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size', {
      ...(size === undefined ? {} : { ProposedSize: String(size) }),
      MaxSizeAllowed: String(max),
    }),
  entityTooSmall: (size: number, min: number, partNumber: number) =>
    new S3Failure(
      'EntityTooSmall',
      400,
      'Your proposed upload is smaller than the minimum allowed object size.',
      {
        ProposedSize: String(size),
        MinSizeAllowed: String(min),
        PartNumber: String(partNumber),
      },
    ),
  malformedXml: () =>
    new S3Failure(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema',
    ),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Failure('InvalidArgument', 400, message, {
      ...(name === undefined ? {} : { ArgumentName: name }),
      ...(value === undefined ? {} : { ArgumentValue: value.slice(0, 256) }),
    }),
  invalidRequest: (message: string) => new S3Failure('InvalidRequest', 400, message),
  badDigest: (what: string) =>
    new S3Failure('BadDigest', 400, `The ${what} you specified did not match the calculated checksum.`),
  invalidDigest: () => new S3Failure('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  incompleteBody: (
    message = 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  ) => new S3Failure('IncompleteBody', 400, message),
  preconditionFailed: (condition: string) =>
    new S3Failure(
      'PreconditionFailed',
      412,
      'At least one of the pre-conditions you specified did not hold',
      {
        Condition: condition,
      },
    ),
  invalidRange: (range: string, size: number) =>
    new S3Failure('InvalidRange', 416, 'The requested range is not satisfiable', {
      RangeRequested: range,
      ActualObjectSize: String(size),
    }),
  invalidPart: (partNumber: number) =>
    new S3Failure(
      'InvalidPart',
      400,
      "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      { PartNumber: String(partNumber) },
    ),
  invalidPartOrder: () =>
    new S3Failure(
      'InvalidPartOrder',
      400,
      'The list of parts was not in ascending order. Parts must be ordered by part number.',
    ),
  metadataTooLarge: (size: number, max: number) =>
    new S3Failure('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size', {
      Size: String(size),
      MaxSizeAllowed: String(max),
    }),
  notImplemented: (what: string) =>
    new S3Failure(
      'NotImplemented',
      501,
      `A header or query you provided implies functionality that is not implemented: ${what}`,
    ),
};

/** Limits of the embedded S3 (S3's own). */
export const s3Limits = {
  /** Longest key, in UTF-8 bytes. */
  maxKeyBytes: 1024,
  /** Largest object a single PutObject or CopyObject stores (5 GiB). */
  maxPutBytes: 5 * 1024 ** 3,
  /** Largest part (5 GiB) and smallest part except the last (5 MiB). */
  maxPartBytes: 5 * 1024 ** 3,
  minPartBytes: 5 * 1024 ** 2,
  /** Part numbers are 1 to 10,000. */
  maxParts: 10_000,
  /** Largest object a multipart upload assembles (5 TiB). */
  maxObjectBytes: 5 * 1024 ** 4,
  /** User metadata: names and values together (2 KB). */
  maxMetadataBytes: 2 * 1024,
  /** Keys one DeleteObjects request names. */
  maxDeleteKeys: 1000,
  /** Entries one list page holds at most. */
  maxListKeys: 1000,
} as const;

/** S3's bucket naming rules (general purpose buckets). */
export function checkBucketName(name: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
  if (!ok) throw s3Errors.invalidBucketName(name);
}

/** Keys are 1 to 1024 bytes of UTF-8. */
export function checkKey(key: string): void {
  if (key === '') throw s3Errors.invalidArgument('The key must not be empty', 'key', key);
  const bytes = Buffer.byteLength(key);
  if (bytes > s3Limits.maxKeyBytes) throw s3Errors.keyTooLong(bytes, s3Limits.maxKeyBytes);
}
