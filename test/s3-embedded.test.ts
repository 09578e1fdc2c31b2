import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './helpers/server';

// The embedded S3 through the official SDK (and raw HTTP for framings the SDK does not choose).

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'media' }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  server?.cleanup();
});

/** The S3 error a call fails with: code, status and the SDK's message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof S3ServiceException)) throw e;
    return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
  }
  throw new Error('the call succeeded');
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

async function bytesOf(bucket: string, key: string, extra: Record<string, unknown> = {}) {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...extra }));
  return { out, body: Buffer.from(await out.Body!.transformToByteArray()) };
}

/** A raw HTTP request to islet (signed for s3 by a dummy Authorization header, so it reaches the S3 API). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  endEarly = false,
): Promise<{ status: number; headers: Record<string, any>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method,
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        if (endEarly) res.on('end', () => req.destroy());
      },
    );
    req.on('error', reject);
    if (endEarly) {
      req.flushHeaders();
      return;
    }
    req.end(body);
  });
}

describe('buckets', () => {
  it('creates, lists, heads and deletes buckets with S3 errors for each misuse', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'scratch-1' }));
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining(['media', 'scratch-1']));
    expect(list.Buckets!.every((b) => b.CreationDate instanceof Date)).toBe(true);
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'scratch-1' }))).$metadata.httpStatusCode).toBe(
      200,
    );

    expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'scratch-1' })))).toMatchObject({
      name: 'BucketAlreadyOwnedByYou',
      status: 409,
    });
    for (const bad of [
      'ab',
      'Upper',
      'has_underscore',
      'a..b',
      '192.168.1.1',
      '-start',
      'xn--punycode',
      'x'.repeat(64),
    ]) {
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: bad }))), bad).toMatchObject({
        name: 'InvalidBucketName',
        status: 400,
      });
    }
    await s3.send(new PutObjectCommand({ Bucket: 'scratch-1', Key: 'k', Body: 'x' }));
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'scratch-1' })))).toMatchObject({
      name: 'BucketNotEmpty',
      status: 409,
    });
    await s3.send(new DeleteObjectCommand({ Bucket: 'scratch-1', Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'scratch-1' }));
    expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'scratch-1' })))).toMatchObject({
      status: 404,
    });
    expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'scratch-1' })))).toMatchObject({
      name: 'NoSuchBucket',
      status: 404,
    });
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'never-made' })))).toMatchObject({
      name: 'NoSuchBucket',
      status: 404,
    });
    expect(
      await failure(s3.send(new PutObjectCommand({ Bucket: 'never-made', Key: 'k', Body: 'x' }))),
    ).toMatchObject({
      name: 'NoSuchBucket',
    });
  });

  it('answers the error document in S3 XML with the extra elements', async () => {
    const res = await raw('GET', '/never-made/some/key', {});
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(res.body).toContain('<Code>NoSuchBucket</Code>');
    expect(res.body).toContain('<BucketName>never-made</BucketName>');
    const method = await raw('PATCH', '/media/k', {});
    expect(method.status).toBe(405);
    expect(method.body).toContain('<Code>MethodNotAllowed</Code>');
    const sub = await raw('GET', '/media?acl', {});
    expect(sub.status).toBe(501);
    expect(sub.body).toContain('<Code>NotImplemented</Code>');
  });
});

describe('objects', () => {
  it('stores binary bytes exactly, with ETag, headers and user metadata', async () => {
    const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(100_000)]);
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'bin/ü ñ+%?#.bin',
        Body: data,
        ContentType: 'application/x-test',
        CacheControl: 'max-age=60',
        ContentDisposition: 'attachment; filename="a.bin"',
        ContentLanguage: 'en',
        Metadata: { origin: 'test', 'two-words': 'a b' },
      }),
    );
    expect(put.ETag).toBe(`"${md5(data)}"`);
    const { out, body } = await bytesOf('media', 'bin/ü ñ+%?#.bin');
    expect(body.equals(data)).toBe(true);
    expect(out).toMatchObject({
      ContentLength: data.length,
      ContentType: 'application/x-test',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="a.bin"',
      ContentLanguage: 'en',
      ETag: `"${md5(data)}"`,
      AcceptRanges: 'bytes',
      Metadata: { origin: 'test', 'two-words': 'a b' },
    });
    expect(out.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'bin/ü ñ+%?#.bin' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: put.ETag, Metadata: { origin: 'test' } });
    // Without a type the object is binary/octet-stream, as in S3; an empty body is an object too.
    expect((await raw('PUT', '/media/empty', {}, '')).status).toBe(200);
    const empty = await bytesOf('media', 'empty');
    expect(empty.body.length).toBe(0);
    expect(empty.out.ContentType).toBe('binary/octet-stream');
    expect(empty.out.ETag).toBe(`"${md5('')}"`);
  });

  it('takes aws-chunked bodies: the SDK streaming with a CRC32 trailer, and signed chunks', async () => {
    const data = randomBytes(300_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'chunked/sdk',
        Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
        ContentLength: data.length,
      }),
    );
    expect((await bytesOf('media', 'chunked/sdk')).body.equals(data)).toBe(true);

    const text = 'hello chunked world';
    const framed =
      `8;chunk-signature=${'a'.repeat(64)}\r\n${text.slice(0, 8)}\r\n` +
      `${(text.length - 8).toString(16)};chunk-signature=${'b'.repeat(64)}\r\n${text.slice(8)}\r\n` +
      `0;chunk-signature=${'c'.repeat(64)}\r\n\r\n`;
    const res = await raw(
      'PUT',
      '/media/chunked/signed',
      {
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(text.length),
        'content-type': 'text/plain',
      },
      framed,
    );
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${md5(text)}"`);
    const got = await bytesOf('media', 'chunked/signed');
    expect(got.body.toString()).toBe(text);
    // aws-chunked is the framing, not the object's encoding.
    expect(got.out.ContentEncoding).toBeUndefined();

    // A wrong CRC32 trailer is BadDigest and stores nothing.
    const bad = await raw(
      'PUT',
      '/media/chunked/bad-crc',
      {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '3',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      '3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>BadDigest</Code>');
    // A body that breaks the framing is refused.
    const broken = await raw(
      'PUT',
      '/media/chunked/broken',
      { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked' },
      'zz\r\nabc\r\n',
    );
    expect(broken.status).toBe(400);
    expect(broken.body).toContain('<Code>IncompleteBody</Code>');
    expect(
      await failure(s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'chunked/bad-crc' }))),
    ).toMatchObject({
      status: 404,
    });
  });

  it('checks Content-MD5 (BadDigest, InvalidDigest) and refuses keys over 1024 bytes and bodies over 5 GiB', async () => {
    const bad = await raw(
      'PUT',
      '/media/md5',
      { 'content-md5': createHash('md5').update('other').digest('base64') },
      'body',
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>BadDigest</Code>');
    const invalid = await raw('PUT', '/media/md5', { 'content-md5': 'not-a-digest' }, 'body');
    expect(invalid.body).toContain('<Code>InvalidDigest</Code>');
    const good = await raw(
      'PUT',
      '/media/md5',
      { 'content-md5': createHash('md5').update('body').digest('base64') },
      'body',
    );
    expect(good.status).toBe(200);

    expect(
      await failure(s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'k'.repeat(1025), Body: 'x' }))),
    ).toMatchObject({
      name: 'KeyTooLongError',
      status: 400,
    });
    // The declared length alone is refused, before any byte is read.
    const huge = await raw(
      'PUT',
      '/media/huge',
      { 'content-length': String(5 * 1024 ** 3 + 1) },
      undefined,
      true,
    );
    expect(huge.status).toBe(400);
    expect(huge.body).toContain('<Code>EntityTooLarge</Code>');
  });

  it('serves ranges (206, suffix, open-ended) and refuses unsatisfiable ones with InvalidRange', async () => {
    const data = Buffer.from('0123456789');
    await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'range', Body: data }));
    const cases: Array<[string, string, string]> = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const got = await bytesOf('media', 'range', { Range: range });
      expect(got.body.toString(), range).toBe(body);
      expect(got.out.ContentRange).toBe(contentRange);
      expect(got.out.$metadata.httpStatusCode).toBe(206);
    }
    // Syntax S3 does not serve is ignored: the whole object.
    expect((await bytesOf('media', 'range', { Range: 'bytes=5-2' })).body.toString()).toBe('0123456789');
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'range', Range: 'bytes=10-' }))),
    ).toMatchObject({
      name: 'InvalidRange',
      status: 416,
    });
  });

  it('answers conditional GETs with 304 and 412', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'cond', Body: 'v1' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'cond' }));
    const later = new Date(head.LastModified!.getTime() + 60_000);
    const earlier = new Date(head.LastModified!.getTime() - 60_000);
    expect((await bytesOf('media', 'cond', { IfMatch: put.ETag })).body.toString()).toBe('v1');
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'cond', IfMatch: '"nope"' }))),
    ).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'cond', IfNoneMatch: put.ETag }))),
    ).toMatchObject({
      status: 304,
    });
    expect(
      await failure(s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'cond', IfModifiedSince: later }))),
    ).toMatchObject({
      status: 304,
    });
    expect((await bytesOf('media', 'cond', { IfModifiedSince: earlier })).body.toString()).toBe('v1');
    expect(
      await failure(
        s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'cond', IfUnmodifiedSince: earlier })),
      ),
    ).toMatchObject({ status: 412 });
    // If-Match that holds wins over If-Unmodified-Since that does not (S3's rule).
    expect(
      (await bytesOf('media', 'cond', { IfMatch: put.ETag, IfUnmodifiedSince: earlier })).body.toString(),
    ).toBe('v1');
    // response-* overrides.
    const over = await s3.send(
      new GetObjectCommand({
        Bucket: 'media',
        Key: 'cond',
        ResponseContentType: 'text/x-over',
        ResponseContentDisposition: 'inline',
        ResponseCacheControl: 'no-store',
      }),
    );
    expect(over).toMatchObject({
      ContentType: 'text/x-over',
      ContentDisposition: 'inline',
      CacheControl: 'no-store',
    });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'media', Key: 'missing' })))).toMatchObject({
      name: 'NoSuchKey',
      status: 404,
    });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'missing' })))).toMatchObject({
      name: 'NotFound',
      status: 404,
    });
  });

  it('copies objects (COPY and REPLACE metadata), refuses a copy onto itself and failed source conditions', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'src/a b.txt',
        Body: 'copy me',
        ContentType: 'text/plain',
        Metadata: { m: '1' },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'media-copy' }));
    const copy = await s3.send(
      new CopyObjectCommand({ Bucket: 'media-copy', Key: 'dst.txt', CopySource: 'media/src/a%20b.txt' }),
    );
    expect(copy.CopyObjectResult!.ETag).toBe(`"${md5('copy me')}"`);
    expect(copy.CopyObjectResult!.LastModified).toBeInstanceOf(Date);
    const copied = await bytesOf('media-copy', 'dst.txt');
    expect(copied.body.toString()).toBe('copy me');
    expect(copied.out).toMatchObject({ ContentType: 'text/plain', Metadata: { m: '1' } });

    await s3.send(
      new CopyObjectCommand({
        Bucket: 'media',
        Key: 'src/a b.txt',
        CopySource: '/media/src/a%20b.txt',
        MetadataDirective: 'REPLACE',
        ContentType: 'text/x-new',
        Metadata: { m: '2' },
      }),
    );
    expect((await bytesOf('media', 'src/a b.txt')).out).toMatchObject({
      ContentType: 'text/x-new',
      Metadata: { m: '2' },
    });
    expect(
      await failure(
        s3.send(
          new CopyObjectCommand({ Bucket: 'media', Key: 'src/a b.txt', CopySource: 'media/src/a%20b.txt' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidRequest', status: 400 });
    expect(
      await failure(
        s3.send(
          new CopyObjectCommand({
            Bucket: 'media',
            Key: 'x',
            CopySource: 'media/src/a%20b.txt',
            CopySourceIfMatch: '"zzz"',
          }),
        ),
      ),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(
      await failure(s3.send(new CopyObjectCommand({ Bucket: 'media', Key: 'x', CopySource: 'media/none' }))),
    ).toMatchObject({
      name: 'NoSuchKey',
    });
    // The original is unaffected by deleting the copy (content is shared, not the object).
    await s3.send(new DeleteObjectCommand({ Bucket: 'media-copy', Key: 'dst.txt' }));
    expect((await bytesOf('media', 'src/a b.txt')).body.toString()).toBe('copy me');
  });

  it('deletes objects one at a time and in batches (quiet mode answers only failures)', async () => {
    for (const k of ['d/1', 'd/2', 'd/3', 'd/4'])
      await s3.send(new PutObjectCommand({ Bucket: 'media', Key: k, Body: k }));
    expect(
      (await s3.send(new DeleteObjectCommand({ Bucket: 'media', Key: 'd/1' }))).$metadata.httpStatusCode,
    ).toBe(204);
    // Deleting what is not there succeeds, as in S3.
    await s3.send(new DeleteObjectCommand({ Bucket: 'media', Key: 'd/1' }));
    const loud = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'media',
        Delete: { Objects: [{ Key: 'd/2' }, { Key: 'nothing' }] },
      }),
    );
    expect(loud.Deleted!.map((d) => d.Key).sort()).toEqual(['d/2', 'nothing']);
    const quiet = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'media',
        Delete: { Quiet: true, Objects: [{ Key: 'd/3' }, { Key: 'd/4' }] },
      }),
    );
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'd/' }));
    expect(left.KeyCount).toBe(0);
    const malformed = await raw(
      'POST',
      '/media?delete',
      { 'content-type': 'application/xml' },
      '<Delete><Object>',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain('<Code>MalformedXML</Code>');
  });
});

describe('listings', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a.txt', 'b/1', 'b/2', 'b/c/3', 'c d/x', 'é/y', 'z', 'b+plus'];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
  });

  it('ListObjectsV2: prefix, delimiter with CommonPrefixes, max-keys paging, start-after', async () => {
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(all.Contents!.map((o) => o.Key)).toEqual([
      'a.txt',
      'b+plus',
      'b/1',
      'b/2',
      'b/c/3',
      'c d/x',
      'z',
      'é/y',
    ]);
    expect(all.Contents![0]).toMatchObject({ Size: 5, ETag: `"${md5('a.txt')}"`, StorageClass: 'STANDARD' });
    expect(all.IsTruncated).toBe(false);

    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.Contents!.map((o) => o.Key)).toEqual(['a.txt', 'b+plus', 'z']);
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['b/', 'c d/', 'é/']);
    expect(top.KeyCount).toBe(6);

    const under = await s3.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }),
    );
    expect(under.Contents!.map((o) => o.Key)).toEqual(['b/1', 'b/2']);
    expect(under.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['b/c/']);

    // Pages of two entries, common prefixes counting as one each.
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }),
      );
      pages.push([
        ...(page.Contents ?? []).map((o) => o.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      ]);
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(pages).toEqual([
      ['a.txt', 'b+plus'],
      ['b/', 'c d/'],
      ['z', 'é/'],
    ]);

    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/2' }));
    expect(after.Contents!.map((o) => o.Key)).toEqual(['b/c/3', 'c d/x', 'z', 'é/y']);
    expect(after.StartAfter).toBe('b/2');
    const none = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 0 }));
    expect(none.KeyCount).toBe(0);

    expect(
      await failure(s3.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'forged' }))),
    ).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('encoding-type=url encodes keys and prefixes', async () => {
    const res = await raw('GET', '/listing?list-type=2&encoding-type=url&delimiter=%2F', {});
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Key>b%2Bplus</Key>');
    expect(res.body).toContain('<Prefix>c%20d/</Prefix>');
    expect(res.body).toContain('<Prefix>%C3%A9/</Prefix>');
    expect(res.body).toContain('<EncodingType>url</EncodingType>');
    const bad = await raw('GET', '/listing?list-type=2&encoding-type=base64', {});
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>InvalidArgument</Code>');
  });

  it('ListObjects (v1): marker and NextMarker', async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', MaxKeys: 3 }));
    expect(first.Contents!.map((o) => o.Key)).toEqual(['a.txt', 'b+plus']);
    expect(first.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['b/']);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextMarker).toBe('b/');
    const second = await s3.send(
      new ListObjectsCommand({ Bucket: 'listing', Delimiter: '/', Marker: first.NextMarker }),
    );
    expect(second.Contents!.map((o) => o.Key)).toEqual(['z']);
    expect(second.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['c d/', 'é/']);
    expect(second.IsTruncated).toBe(false);
    const plain = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: 'b/c/3', Prefix: '' }));
    expect(plain.Contents!.map((o) => o.Key)).toEqual(['c d/x', 'z', 'é/y']);
  });
});

describe('multipart uploads', () => {
  const mib = 1024 * 1024;

  it('assembles a ~12 MB object from three parts with S3’s ETag', async () => {
    const data = randomBytes(12 * mib + 12345);
    const create = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'media',
        Key: 'big/file.bin',
        ContentType: 'video/x-test',
        Metadata: { k: 'v' },
      }),
    );
    const uploadId = create.UploadId!;
    const slices = [data.subarray(0, 5 * mib), data.subarray(5 * mib, 10 * mib), data.subarray(10 * mib)];
    const etags: string[] = [];
    // Upload out of order: the order of the completion list is what counts.
    for (const i of [2, 0, 1]) {
      const out = await s3.send(
        new UploadPartCommand({
          Bucket: 'media',
          Key: 'big/file.bin',
          UploadId: uploadId,
          PartNumber: i + 1,
          Body: slices[i],
        }),
      );
      etags[i] = out.ETag!;
      expect(out.ETag).toBe(`"${md5(slices[i])}"`);
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'media', Prefix: 'big/' }));
    expect(uploads.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual([['big/file.bin', uploadId]]);
    const parts = await s3.send(
      new ListPartsCommand({ Bucket: 'media', Key: 'big/file.bin', UploadId: uploadId, MaxParts: 2 }),
    );
    expect(parts.Parts!.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * mib],
      [2, 5 * mib],
    ]);
    expect(parts.IsTruncated).toBe(true);
    expect(parts.NextPartNumberMarker).toBe('2');
    // Not visible before completion.
    expect(
      await failure(s3.send(new HeadObjectCommand({ Bucket: 'media', Key: 'big/file.bin' }))),
    ).toMatchObject({ status: 404 });

    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'media',
        Key: 'big/file.bin',
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const partMd5s = Buffer.concat(slices.map((s) => createHash('md5').update(s).digest()));
    expect(done.ETag).toBe(`"${md5(partMd5s)}-3"`);
    expect(done).toMatchObject({ Bucket: 'media', Key: 'big/file.bin' });
    const got = await bytesOf('media', 'big/file.bin');
    expect(got.body.equals(data)).toBe(true);
    expect(got.out).toMatchObject({ ContentType: 'video/x-test', Metadata: { k: 'v' }, ETag: done.ETag });
    // The upload is gone.
    expect(
      await failure(
        s3.send(new ListPartsCommand({ Bucket: 'media', Key: 'big/file.bin', UploadId: uploadId })),
      ),
    ).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('refuses parts out of order, unknown parts or ETags, small parts and unknown uploads; aborts', async () => {
    const key = 'big/rules.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'media', Key: key }));
    const part = (n: number, body: Buffer) =>
      s3.send(new UploadPartCommand({ Bucket: 'media', Key: key, UploadId, PartNumber: n, Body: body }));
    const p1 = await part(1, Buffer.alloc(1024, 1));
    const p2 = await part(2, Buffer.alloc(1024, 2));
    const complete = (parts: Array<{ ETag?: string; PartNumber: number }>) =>
      failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: 'media',
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    expect(
      await complete([
        { ETag: p2.ETag, PartNumber: 2 },
        { ETag: p1.ETag, PartNumber: 1 },
      ]),
    ).toMatchObject({
      name: 'InvalidPartOrder',
      status: 400,
    });
    expect(
      await complete([
        { ETag: p1.ETag, PartNumber: 1 },
        { ETag: '"0000"', PartNumber: 2 },
      ]),
    ).toMatchObject({
      name: 'InvalidPart',
    });
    expect(
      await complete([
        { ETag: p1.ETag, PartNumber: 1 },
        { ETag: p2.ETag, PartNumber: 3 },
      ]),
    ).toMatchObject({
      name: 'InvalidPart',
    });
    expect(
      await complete([
        { ETag: p1.ETag, PartNumber: 1 },
        { ETag: p2.ETag, PartNumber: 2 },
      ]),
    ).toMatchObject({
      name: 'EntityTooSmall',
      status: 400,
    });
    expect(await failure(part(0, Buffer.from('x')))).toMatchObject({ name: 'InvalidArgument' });
    expect(await failure(part(10001, Buffer.from('x')))).toMatchObject({ name: 'InvalidArgument' });
    // A single small part is a valid upload (the last part may be small).
    const copyPart = await s3.send(
      new UploadPartCopyCommand({
        Bucket: 'media',
        Key: key,
        UploadId,
        PartNumber: 3,
        CopySource: 'media/range',
        CopySourceRange: 'bytes=2-5',
      }),
    );
    expect(copyPart.CopyPartResult!.ETag).toBe(`"${md5('2345')}"`);

    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'media', Key: key, UploadId }));
    expect(await failure(part(1, Buffer.from('x')))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    expect(
      await failure(
        s3.send(new AbortMultipartUploadCommand({ Bucket: 'media', Key: key, UploadId: 'nope' })),
      ),
    ).toMatchObject({ name: 'NoSuchUpload' });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket: 'media', Key: key })))).toMatchObject({
      status: 404,
    });

    const single = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'media', Key: 'big/one' }));
    const only = await s3.send(
      new UploadPartCommand({
        Bucket: 'media',
        Key: 'big/one',
        UploadId: single.UploadId,
        PartNumber: 1,
        Body: 'tiny',
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'media',
        Key: 'big/one',
        UploadId: single.UploadId,
        MultipartUpload: { Parts: [{ ETag: only.ETag, PartNumber: 1 }] },
      }),
    );
    expect((await bytesOf('media', 'big/one')).body.toString()).toBe('tiny');
  });
});

describe('addressing', () => {
  it('answers virtual-host style requests (bucket.localhost)', async () => {
    // Host media.localhost:PORT names the bucket; the path is the key.
    const res = await raw('GET', '/range', { host: `media.localhost:${server.port}` });
    expect(res.status).toBe(200);
    expect(res.body).toBe('0123456789');
  });

  it("refuses keys with '.' or '..' segments rather than storing them under another name", async () => {
    const res = await raw('PUT', '/media/a/../escape', {}, 'x');
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>InvalidArgument</Code>');
  });
});
