import { describe, expect, it } from 'vitest';
import { ServiceCallFailure } from './host';
import { parseCopySource, s3Request } from './s3-request';

const failure = (op: string, input: Record<string, unknown>) => {
  try {
    s3Request(op, input);
  } catch (e) {
    if (e instanceof ServiceCallFailure) return { code: e.code, status: e.statusCode, message: e.message };
    throw e;
  }
  throw new Error(`${op} was accepted`);
};

describe('the permission each S3 operation needs', () => {
  const obj = { Bucket: 'photos', Key: 'a/b c.jpg' };
  it.each([
    ['GetObject', obj, [['s3:GetObject', 'arn:aws:s3:::photos/a/b c.jpg']]],
    ['HeadObject', obj, [['s3:GetObject', 'arn:aws:s3:::photos/a/b c.jpg']]],
    ['PutObject', { ...obj, Body: 'x' }, [['s3:PutObject', 'arn:aws:s3:::photos/a/b c.jpg']]],
    ['DeleteObject', obj, [['s3:DeleteObject', 'arn:aws:s3:::photos/a/b c.jpg']]],
    ['ListObjects', { Bucket: 'photos' }, [['s3:ListBucket', 'arn:aws:s3:::photos']]],
    ['ListObjectsV2', { Bucket: 'photos', Prefix: 'a/' }, [['s3:ListBucket', 'arn:aws:s3:::photos']]],
    ['HeadBucket', { Bucket: 'photos' }, [['s3:ListBucket', 'arn:aws:s3:::photos']]],
    ['CreateBucket', { Bucket: 'photos' }, [['s3:CreateBucket', 'arn:aws:s3:::photos']]],
    ['DeleteBucket', { Bucket: 'photos' }, [['s3:DeleteBucket', 'arn:aws:s3:::photos']]],
    ['ListBuckets', {}, [['s3:ListAllMyBuckets', '*']]],
    [
      'DeleteObjects',
      { Bucket: 'photos', Delete: { Objects: [{ Key: 'one' }, { Key: 'two', VersionId: 'v1' }] } },
      [
        ['s3:DeleteObject', 'arn:aws:s3:::photos/one'],
        ['s3:DeleteObject', 'arn:aws:s3:::photos/two'],
      ],
    ],
    [
      'CopyObject',
      { Bucket: 'thumbs', Key: 'small.jpg', CopySource: '/photos/a/b%20c.jpg?versionId=3' },
      [
        ['s3:GetObject', 'arn:aws:s3:::photos/a/b c.jpg'],
        ['s3:PutObject', 'arn:aws:s3:::thumbs/small.jpg'],
      ],
    ],
  ] as const)('%s', (op, input, expected) => {
    const req = s3Request(op, { ...input });
    expect(req.access.map((a) => [a.action, a.resource])).toEqual(expected);
  });

  it('names the buckets whose backend serves the call', () => {
    expect(s3Request('ListBuckets', {}).bucket).toBeUndefined();
    const copy = s3Request('CopyObject', { Bucket: 'thumbs', Key: 'k', CopySource: 'photos/k' });
    expect([copy.bucket, copy.sourceBucket]).toEqual(['thumbs', 'photos']);
  });
});

describe('S3 input checked before anything is sent', () => {
  it('offers only the listed operations, naming the one asked for', () => {
    expect(failure('PutBucketPolicy', { Bucket: 'photos' })).toMatchObject({
      code: 'UnsupportedOperation',
      status: 400,
      message: expect.stringMatching(/no operation PutBucketPolicy/),
    });
  });

  it('wants a bucket name (never one holding a /, which would blur the ARN)', () => {
    expect(failure('GetObject', { Key: 'k' })).toMatchObject({ code: 'InvalidArgument' });
    expect(failure('GetObject', { Bucket: 42, Key: 'k' })).toMatchObject({ code: 'InvalidArgument' });
    expect(failure('GetObject', { Bucket: 'a/b', Key: 'k' })).toMatchObject({
      code: 'InvalidBucketName',
      status: 400,
    });
    expect(failure('ListObjects', { Bucket: 'ab' })).toMatchObject({ code: 'InvalidBucketName' });
  });

  it('wants a key of 1 to 1024 UTF-8 bytes', () => {
    expect(failure('GetObject', { Bucket: 'photos', Key: '' })).toMatchObject({ code: 'InvalidArgument' });
    expect(failure('GetObject', { Bucket: 'photos', Key: ['k'] })).toMatchObject({ code: 'InvalidArgument' });
    // 512 two-byte characters are 1024 bytes: allowed; one more byte is not.
    expect(s3Request('GetObject', { Bucket: 'photos', Key: 'é'.repeat(512) }).op).toBe('GetObject');
    expect(failure('GetObject', { Bucket: 'photos', Key: `${'é'.repeat(512)}x` })).toMatchObject({
      code: 'KeyTooLongError',
      message: expect.stringMatching(/1025 bytes; the limit is 1024/),
    });
  });

  it("refuses '.' and '..' key segments, which a server could resolve into another bucket", () => {
    for (const Key of ['../other-bucket/x', 'a/./b', 'a/..', '.']) {
      expect(failure('PutObject', { Bucket: 'photos', Key })).toMatchObject({
        code: 'InvalidArgument',
        message: expect.stringMatching(/'\.' or '\.\.' path segments/),
      });
    }
    expect(
      failure('CopyObject', {
        Bucket: 'photos',
        Key: 'k',
        CopySource: 'photos/public%2F..%2F..%2Fsecret%2Fk',
      }),
    ).toMatchObject({ code: 'InvalidArgument' });
    expect(s3Request('GetObject', { Bucket: 'photos', Key: 'a/..b/.c/...' }).op).toBe('GetObject');
  });

  it('refuses members an HTTP request cannot carry, with the member named', () => {
    expect(
      failure('PutObject', { Bucket: 'photos', Key: 'k', ContentType: 'text/plain\r\nX-Evil: 1' }),
    ).toMatchObject({ code: 'InvalidArgument', message: expect.stringMatching(/^ContentType /) });
    expect(failure('PutObject', { Bucket: 'photos', Key: 'k', Metadata: { 'bad name': 'v' } })).toMatchObject(
      {
        code: 'InvalidArgument',
      },
    );
    expect(failure('PutObject', { Bucket: 'photos', Key: 'k', Metadata: { owner: 'ü€' } })).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(failure('PutObject', { Bucket: 'photos', Key: 'k', Metadata: ['x'] })).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(failure('PutObject', { Bucket: 'photos', Key: 'k', Tagging: { a: 1 } })).toMatchObject({
      code: 'InvalidArgument',
      message: 'Tagging must be a string, number or boolean',
    });
    expect(failure('PutObject', { Bucket: 'photos', Key: 'k', Body: 12 })).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(failure('GetObject', { Bucket: 'photos', Key: 'k', Body: 'x' })).toMatchObject({
      code: 'InvalidArgument',
    });
    // Keys and prefixes travel URL-encoded, so any text is fine there.
    expect(s3Request('ListObjectsV2', { Bucket: 'photos', Prefix: 'ü/\n' }).input.Prefix).toBe('ü/\n');
  });

  it('normalises dates and whole numbers, and refuses what is neither', () => {
    const req = s3Request('GetObject', {
      Bucket: 'photos',
      Key: 'k',
      IfModifiedSince: '2024-01-02T03:04:05Z',
      PartNumber: '2',
      VersionId: null,
    });
    expect(req.input).toEqual({
      Bucket: 'photos',
      Key: 'k',
      IfModifiedSince: new Date('2024-01-02T03:04:05Z'),
      PartNumber: 2,
    });
    expect(failure('GetObject', { Bucket: 'photos', Key: 'k', IfModifiedSince: 'soon' })).toMatchObject({
      code: 'InvalidArgument',
      message: 'IfModifiedSince must be a date',
    });
    expect(failure('ListObjectsV2', { Bucket: 'photos', MaxKeys: -1 })).toMatchObject({
      code: 'InvalidArgument',
    });
    expect(failure('ListObjectsV2', { Bucket: 'photos', MaxKeys: 1.5 })).toMatchObject({
      code: 'InvalidArgument',
    });
  });

  it('checks a batch delete: 1 to 1000 keys, each valid', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}` }));
    expect(
      s3Request('DeleteObjects', { Bucket: 'photos', Delete: { Objects: keys(1000) } }).access,
    ).toHaveLength(1000);
    expect(failure('DeleteObjects', { Bucket: 'photos', Delete: { Objects: keys(1001) } })).toMatchObject({
      code: 'MalformedXML',
      message: expect.stringMatching(/1001 keys; the limit is 1000/),
    });
    expect(failure('DeleteObjects', { Bucket: 'photos', Delete: { Objects: [] } })).toMatchObject({
      code: 'MalformedXML',
    });
    expect(failure('DeleteObjects', { Bucket: 'photos' })).toMatchObject({ code: 'MalformedXML' });
    expect(failure('DeleteObjects', { Bucket: 'photos', Delete: { Objects: [{ Key: '' }] } })).toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringMatching(/Delete.Objects\[0\].Key/),
    });
    // Only Key and VersionId are sent on: nothing else rides along.
    const req = s3Request('DeleteObjects', {
      Bucket: 'photos',
      Delete: { Objects: [{ Key: 'a', Extra: 1 }], Quiet: true },
    });
    expect(req.input.Delete).toEqual({ Objects: [{ Key: 'a' }], Quiet: true });
  });
});

describe('CopySource', () => {
  it('reads bucket, URL-encoded key and version', () => {
    expect(parseCopySource('photos/a%2Fb%20c.jpg')).toEqual({ bucket: 'photos', key: 'a/b c.jpg' });
    expect(parseCopySource('/photos/a/b.jpg?versionId=v%2B1')).toEqual({
      bucket: 'photos',
      key: 'a/b.jpg',
      versionId: 'v+1',
    });
  });

  it.each([
    ['', /is required/],
    ['photos', /"bucket\/key"/],
    ['photos/', /"bucket\/key"/],
    ['/photos/a%E0%A4%A', /not validly URL-encoded/],
    ['photos/k?acl', /only carry \?versionId=/],
    ['arn:aws:s3:us-east-1:1:accesspoint/ap/object/k', /access point ARN/],
    ['a/k', /CopySource bucket/],
  ])('refuses %j', (source, message) => {
    expect(failure('CopyObject', { Bucket: 'photos', Key: 'k', CopySource: source })).toMatchObject({
      message: expect.stringMatching(message),
    });
  });
});
