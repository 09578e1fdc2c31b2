import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxObjectBodyBytes } from '../../src/services/s3';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';
import { type S3Storage, startS3Storage } from './s3-storage';

let storage: S3Storage;
let servicesDir: string;
let direct: S3Client;
let server: TestServer;
const binary = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(70_000)]);

/** Put, get (text, binary, streamed), head, list with paging, copy, delete, batch delete, errors. */
const v3Scenario = `
  const text = 'h\\u00e9llo w\\u00f6rld \\u2713';
  const out = {};
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p + 'hello.txt', Body: text,
    ContentType: 'text/plain; charset=utf-8', Metadata: { origin: 'v3' } }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p + 'bin/data.bin', Body: Buffer.from(binary, 'base64') }));
  async function* parts() { yield 'stream-'; yield new Uint8Array([65, 66]); yield new TextEncoder().encode('!'); }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p + 'streamed.txt', Body: parts() }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'hello.txt' }));
  out.text = await got.Body.transformToString();
  out.contentType = got.ContentType;
  out.contentLength = got.ContentLength;
  out.lastModifiedIsDate = got.LastModified instanceof Date;
  out.metadata = got.Metadata;
  out.status = got.$metadata.httpStatusCode;
  const bin = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'bin/data.bin' }));
  const chunks = [];
  for await (const c of bin.Body) chunks.push(c);
  out.binary = Buffer.concat(chunks).toString('base64');
  out.byteArrayLength = (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'bin/data.bin' }))).Body.transformToByteArray()).length;
  const streamed = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'streamed.txt' }));
  out.streamed = await streamed.Body.transformToString();
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: p + 'bin/data.bin' }));
  out.head = { length: head.ContentLength, etag: typeof head.ETag, date: head.LastModified instanceof Date };
  for (const k of ['a', 'b', 'c', 'd', 'e']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: p + 'page/' + k, Body: k }));
  const pages = [];
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: p + 'page/', MaxKeys: 2, ContinuationToken: token }));
    pages.push((page.Contents ?? []).map((o) => o.Key.slice(p.length)));
    token = page.NextContinuationToken;
  } while (token);
  out.pages = pages;
  const viaPaginator = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: bucket, Prefix: p + 'page/' })) {
    viaPaginator.push(page.KeyCount);
  }
  out.viaPaginator = viaPaginator;
  const copy = await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: p + 'copy.txt', CopySource: bucket + '/' + encodeURI(p + 'hello.txt') }));
  out.copyDate = copy.CopyObjectResult.LastModified instanceof Date;
  out.copied = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'copy.txt' }))).Body.transformToString();
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: p + 'copy.txt' }));
  const batch = await s3.send(new DeleteObjectsCommand({ Bucket: bucket,
    Delete: { Objects: ['a', 'b', 'c'].map((k) => ({ Key: p + 'page/' + k })) } }));
  out.batchDeleted = batch.Deleted.map((d) => d.Key.slice(p.length)).sort();
  const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: p }));
  out.left = left.Contents.map((o) => o.Key.slice(p.length)).sort();
  try {
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p + 'copy.txt' }));
  } catch (e) {
    out.missing = { name: e.name, isClass: e instanceof NoSuchKey, isBase: e instanceof S3ServiceException,
      status: e.$metadata.httpStatusCode, fault: e.$fault };
  }
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: p + 'copy.txt' }));
  } catch (e) {
    out.headMissing = { name: e.name, isClass: e instanceof NotFound, status: e.$metadata.httpStatusCode };
  }
  try {
    await s3.send(new GetObjectCommand({ Bucket: 'no-endpoint-bucket', Key: 'x' }));
  } catch (e) {
    out.unrouted = { name: e.name, isClass: e instanceof NoSuchBucket, status: e.$metadata.httpStatusCode, message: e.message };
  }
  return out;`;

const v3Imports =
  'S3Client, PutObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, NoSuchKey, NotFound, NoSuchBucket, S3ServiceException, paginateListObjectsV2';

beforeAll(async () => {
  storage = await startS3Storage();
  const endpoint = {
    endpoint: storage.endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  };
  direct = new S3Client({
    endpoint: endpoint.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await direct.send(new CreateBucketCommand({ Bucket: 'fn-data' }));
  // No default endpoint: a bucket the file does not name has no S3 behind it.
  servicesDir = mkdtempSync(join(tmpdir(), 'islet-services-'));
  const servicesFile = join(servicesDir, 'services.json');
  writeFileSync(
    servicesFile,
    JSON.stringify({ s3: { buckets: { 'fn-data': endpoint, 'fn-made': endpoint } } }),
  );
  server = await startServer({ args: ['--executors', '1', '--services', servicesFile] });
  const lambda = server.lambda();
  await deploy(lambda, 's3-v3-cjs', {
    'index.js': `const { ${v3Imports} } = require('@aws-sdk/client-s3');
      // The function's own settings are ignored: islet decides where the call goes.
      const s3 = new S3Client({ region: 'eu-west-1', endpoint: 'http://function-config.invalid',
        credentials: { accessKeyId: 'fn', secretAccessKey: 'fn' } });
      exports.handler = async ({ bucket, p, binary }) => {${v3Scenario}};`,
    // A bundled copy of the SDK is ignored: the name always resolves to islet's shim.
    'node_modules/@aws-sdk/client-s3/package.json': '{"name":"@aws-sdk/client-s3","main":"index.js"}',
    'node_modules/@aws-sdk/client-s3/index.js': 'throw new Error("the bundled client-s3 must not load")',
  });
  await deploy(lambda, 's3-v3-esm', {
    'index.mjs': `import { ${v3Imports} } from '@aws-sdk/client-s3';
      const s3 = new S3Client({});
      export const handler = async ({ bucket, p, binary }) => {${v3Scenario}};`,
  });
  await deploy(lambda, 's3-v3-aggregated', {
    'index.mjs': `import { S3, NoSuchKey } from '@aws-sdk/client-s3';
      const s3 = new S3({ region: 'us-east-1' });
      // The helper older handlers carry to read a Body as a Node stream.
      const streamToString = (stream) => new Promise((resolve, reject) => {
        const chunks = [];
        stream.on('data', (chunk) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      export const handler = async ({ bucket }) => {
        const blobLike = { size: 4, arrayBuffer: async () => new TextEncoder().encode('blob').buffer };
        await s3.putObject({ Bucket: bucket, Key: 'agg/blob.txt', Body: blobLike });
        const got = await s3.getObject({ Bucket: bucket, Key: 'agg/blob.txt' });
        const made = await s3.createBucket({ Bucket: 'fn-made' });
        const headBucket = await s3.headBucket({ Bucket: 'fn-made' });
        await s3.deleteBucket({ Bucket: 'fn-made' });
        const buckets = await s3.listBuckets({});
        let missing;
        try { await s3.getObject({ Bucket: bucket, Key: 'agg/none' }); } catch (e) { missing = e instanceof NoSuchKey; }
        let unsupported;
        try { await s3.getObjectTagging({ Bucket: bucket, Key: 'agg/blob.txt' }); } catch (e) { unsupported = { name: e.name, message: e.message }; }
        return { body: await streamToString(got.Body), hex: await (await s3.getObject({ Bucket: bucket, Key: 'agg/blob.txt' })).Body.transformToString('hex'),
          made: typeof made.Location, headBucket: headBucket.$metadata.httpStatusCode, buckets: buckets.Buckets, missing, unsupported };
      };`,
  });
  await deploy(lambda, 's3-bodies', {
    'index.js': `const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
      const { EventEmitter } = require('events');
      const s3 = new S3Client({});
      const put = (Key, Body) => s3.send(new PutObjectCommand({ Bucket: 'fn-data', Key, Body }));
      const get = (Key) => s3.send(new GetObjectCommand({ Bucket: 'fn-data', Key }));
      const text = async (Key) => (await get(Key)).Body.transformToString();
      const failure = (promise) => promise.then(() => 'accepted', (e) => e.name + ': ' + e.message);
      exports.handler = async () => {
        const out = {};
        await put('bodies/array-buffer', new TextEncoder().encode('array buffer').buffer);
        out.arrayBuffer = await text('bodies/array-buffer');
        const words = new Uint16Array([0x6968, 0x2121]);
        await put('bodies/data-view', new DataView(words.buffer));
        out.dataView = await text('bodies/data-view');
        const pending = ['web ', new TextEncoder().encode('stream')];
        await put('bodies/web-stream', { getReader: () => ({
          read: async () => (pending.length ? { done: false, value: pending.shift() } : { done: true }) }) });
        out.webStream = await text('bodies/web-stream');
        const emitter = new EventEmitter();
        emitter.resume = () => setTimeout(() => { emitter.emit('data', 'old '); emitter.emit('data', 'style'); emitter.emit('end'); }, 1);
        await put('bodies/emitter', emitter);
        out.emitter = await text('bodies/emitter');
        out.number = await failure(put('bodies/bad', 42));
        out.object = await failure(put('bodies/bad', { not: 'a body' }));
        out.badChunk = await failure(put('bodies/bad', [1, 2, 3]));
        const piped = [];
        await new Promise((resolve) => (get('bodies/emitter').then((o) => o.Body.pipe({ write: (c) => piped.push(c), end: resolve }))));
        out.piped = Buffer.concat(piped).toString();
        const decoded = await get('bodies/emitter');
        decoded.Body.setEncoding('utf8');
        out.decoded = await new Promise((resolve) => decoded.Body.on('data', (c) => resolve(typeof c + ':' + c)));
        out.base64 = await (await get('bodies/emitter')).Body.transformToString('base64');
        out.webStreamOut = await failure(get('bodies/emitter').then((o) => o.Body.transformToWebStream()));
        return out;
      };`,
  });
  await deploy(lambda, 's3-v2', {
    'index.js': `const AWS = require('aws-sdk');
      const S3 = require('aws-sdk/clients/s3');
      const s3 = new AWS.S3({ region: 'eu-west-1', accessKeyId: 'fn', secretAccessKey: 'fn', s3ForcePathStyle: true });
      const alone = new S3();
      exports.handler = async ({ bucket, p, binary }) => {
        const out = { sameClass: S3 === AWS.S3 };
        await s3.putObject({ Bucket: bucket, Key: p + 'hello.txt', Body: 'v2 text' }).promise();
        await alone.putObject({ Bucket: bucket, Key: p + 'bin.dat', Body: Buffer.from(binary, 'base64') }).promise();
        const got = await s3.getObject({ Bucket: bucket, Key: p + 'bin.dat' }).promise();
        out.isBuffer = Buffer.isBuffer(got.Body);
        out.binary = got.Body.toString('base64');
        out.lastModifiedIsDate = got.LastModified instanceof Date;
        out.contentLength = got.ContentLength;
        out.head = await new Promise((resolve) =>
          s3.headObject({ Bucket: bucket, Key: p + 'hello.txt' }, (err, data) => resolve(err ? err.code : data.ContentLength)));
        const uploaded = await s3.upload({ Bucket: bucket, Key: p + 'up.txt', Body: 'uploaded' }).promise();
        out.uploaded = { Key: uploaded.Key.slice(p.length), Bucket: uploaded.Bucket, etag: typeof uploaded.ETag };
        for (const k of ['1', '2', '3']) await s3.putObject({ Bucket: bucket, Key: p + 'm/' + k, Body: k }).promise();
        const pages = [];
        let marker;
        for (;;) {
          const page = await s3.listObjects({ Bucket: bucket, Prefix: p + 'm/', MaxKeys: 2, Marker: marker }).promise();
          pages.push(page.Contents.map((o) => o.Key.slice(p.length)));
          if (!page.IsTruncated) break;
          marker = page.NextMarker ?? page.Contents[page.Contents.length - 1].Key;
        }
        out.pages = pages;
        await s3.copyObject({ Bucket: bucket, Key: p + 'copy.txt', CopySource: '/' + bucket + '/' + p + 'hello.txt' }).promise();
        out.copied = (await s3.getObject({ Bucket: bucket, Key: p + 'copy.txt' }).promise()).Body.toString();
        const del = await s3.deleteObjects({ Bucket: bucket, Delete: { Objects: [{ Key: p + 'm/1' }, { Key: p + 'm/2' }] } }).promise();
        out.deleted = del.Deleted.length;
        await s3.deleteObject({ Bucket: bucket, Key: p + 'copy.txt' }).promise();
        out.missing = await new Promise((resolve) =>
          s3.getObject({ Bucket: bucket, Key: p + 'copy.txt' }, (err) => resolve({ code: err.code, statusCode: err.statusCode, name: err.name })));
        out.unrouted = await s3.getObject({ Bucket: 'no-endpoint-bucket', Key: 'x' }).promise().catch((e) => e.code);
        return out;
      };`,
    'node_modules/aws-sdk/package.json': '{"name":"aws-sdk","main":"index.js"}',
    'node_modules/aws-sdk/index.js': 'throw new Error("the bundled aws-sdk must not load")',
  });
  await deploy(
    lambda,
    's3-big',
    {
      'index.js': `const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
      const s3 = new S3Client({});
      exports.handler = async ({ mode, size }) => {
        if (mode === 'at-cap') {
          const body = new Uint8Array(size);
          for (let i = 0; i < size; i += 4096) body[i] = (i / 4096) & 255;
          await s3.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'big/at-cap.bin', Body: body }));
          const back = await (await s3.send(new GetObjectCommand({ Bucket: 'fn-data', Key: 'big/at-cap.bin' }))).Body.transformToByteArray();
          let same = back.length === size;
          for (let i = 0; same && i < size; i += 4096) same = back[i] === ((i / 4096) & 255) && back[i + 1] === 0;
          return { length: back.length, same };
        }
        let error;
        try {
          if (mode === 'put') {
            await s3.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'big/put.bin', Body: new Uint8Array(size) }));
          } else if (mode === 'stream') {
            async function* chunks() { for (let sent = 0; sent < size; sent += 1 << 20) yield new Uint8Array(1 << 20); }
            await s3.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'big/put.bin', Body: chunks() }));
          } else {
            await s3.send(new GetObjectCommand({ Bucket: 'fn-data', Key: 'big/get.bin' }));
          }
        } catch (e) {
          error = { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
        }
        // The function carries on after the refusal.
        await s3.send(new PutObjectCommand({ Bucket: 'fn-data', Key: 'big/after.txt', Body: mode }));
        const after = await s3.send(new GetObjectCommand({ Bucket: 'fn-data', Key: 'big/after.txt' }));
        return { error, after: await after.Body.transformToString() };
      };`,
    },
    { MemorySize: 512, Timeout: 60 },
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  await storage?.stop();
  rmSync(servicesDir, { recursive: true, force: true });
});

const readDirect = async (key: string) => {
  const out = await direct.send(new GetObjectCommand({ Bucket: 'fn-data', Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
};

describe.each(['s3-v3-cjs', 's3-v3-esm'])('%s: S3 through @aws-sdk/client-s3', (fn) => {
  it('puts, gets, heads, lists, copies and deletes objects', async () => {
    const p = `${fn}/`;
    const r = await invoke(server.lambda(), fn, { bucket: 'fn-data', p, binary: binary.toString('base64') });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    const out = r.payload;
    expect(out).toMatchObject({
      text: 'h\u00e9llo w\u00f6rld \u2713',
      contentType: 'text/plain; charset=utf-8',
      contentLength: Buffer.byteLength('h\u00e9llo w\u00f6rld \u2713'),
      lastModifiedIsDate: true,
      metadata: { origin: 'v3' },
      status: 200,
      byteArrayLength: binary.length,
      streamed: 'stream-AB!',
      head: { length: binary.length, etag: 'string', date: true },
      pages: [['page/a', 'page/b'], ['page/c', 'page/d'], ['page/e']],
      viaPaginator: [3, 2],
      copyDate: true,
      copied: 'h\u00e9llo w\u00f6rld \u2713',
      batchDeleted: ['page/a', 'page/b', 'page/c'],
      left: ['bin/data.bin', 'hello.txt', 'page/d', 'page/e', 'streamed.txt'],
      missing: { name: 'NoSuchKey', isClass: true, isBase: true, status: 404, fault: 'client' },
      headMissing: { name: 'NotFound', isClass: true, status: 404 },
      unrouted: { name: 'NoSuchBucket', isClass: true, status: 404 },
    });
    // A bucket the services file does not route is looked up in the embedded store.
    expect(out.unrouted.message).toBe('The specified bucket does not exist');
    // Byte-exact both ways: what the function wrote is in the store, and it read back the same.
    expect(Buffer.from(out.binary, 'base64').equals(binary)).toBe(true);
    expect((await readDirect(`${p}bin/data.bin`)).equals(binary)).toBe(true);
    expect((await readDirect(`${p}hello.txt`)).toString()).toBe('h\u00e9llo w\u00f6rld \u2713');
  });
});

describe('the aggregated v3 client (new S3())', () => {
  it('takes Blob-like bodies, gives Node-style streams, manages buckets and names unsupported operations', async () => {
    const r = await invoke(server.lambda(), 's3-v3-aggregated', { bucket: 'fn-data' });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({
      body: 'blob',
      hex: Buffer.from('blob').toString('hex'),
      headBucket: 200,
      // No default endpoint, so ListBuckets has no store to list.
      buckets: [],
      missing: true,
      unsupported: { name: 'UnsupportedOperation' },
    });
    expect(r.payload.unsupported.message).toMatch(/no operation GetObjectTagging/);
  });
});

describe('PutObject bodies and GetObject streams', () => {
  it('takes every body kind a handler may hold and refuses the rest', async () => {
    const r = await invoke(server.lambda(), 's3-bodies');
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toMatchObject({
      arrayBuffer: 'array buffer',
      dataView: 'hi!!',
      webStream: 'web stream',
      emitter: 'old style',
      number: expect.stringMatching(/^InvalidArgument: Body must be a string, bytes, a Blob or a stream/),
      object: expect.stringMatching(/^InvalidArgument: Body must be/),
      badChunk: expect.stringMatching(
        /^InvalidArgument: a Body stream gave a chunk that is neither text nor bytes/,
      ),
      piped: 'old style',
      decoded: 'string:old style',
      base64: Buffer.from('old style').toString('base64'),
    });
    // The sandbox has no web streams: the helper says so instead of failing obscurely.
    expect(r.payload.webStreamOut).toBe(
      'Error: transformToWebStream: ReadableStream is not available in islet; use transformToByteArray',
    );
  });
});

describe('S3 through aws-sdk (v2)', () => {
  it('works with promise() and callbacks; bodies are Buffers; errors carry code and statusCode', async () => {
    const p = 's3-v2/';
    const r = await invoke(server.lambda(), 's3-v2', {
      bucket: 'fn-data',
      p,
      binary: binary.toString('base64'),
    });
    expect(r.functionError).toBeUndefined();
    expect(r.payload).toMatchObject({
      sameClass: true,
      isBuffer: true,
      lastModifiedIsDate: true,
      contentLength: binary.length,
      head: Buffer.byteLength('v2 text'),
      uploaded: { Key: 'up.txt', Bucket: 'fn-data', etag: 'string' },
      pages: [['m/1', 'm/2'], ['m/3']],
      copied: 'v2 text',
      deleted: 2,
      missing: { code: 'NoSuchKey', statusCode: 404, name: 'NoSuchKey' },
      unrouted: 'NoSuchBucket',
    });
    expect(Buffer.from(r.payload.binary, 'base64').equals(binary)).toBe(true);
    expect((await readDirect(`${p}bin.dat`)).equals(binary)).toBe(true);
  });
});

describe('bodies over the cap', () => {
  // About 12 MiB each way through the call wire: the slowest case here, by far.
  it('passes a body of exactly the cap both ways', async () => {
    const r = await invoke(server.lambda(), 's3-big', { mode: 'at-cap', size: maxObjectBodyBytes });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toEqual({ length: maxObjectBodyBytes, same: true });
  }, 90_000);

  it('refuses a PutObject body over the cap with EntityTooLarge; the function keeps running', async () => {
    const r = await invoke(server.lambda(), 's3-big', { mode: 'put', size: maxObjectBodyBytes + 1 });
    expect(r.functionError).toBeUndefined();
    expect(r.payload.error).toMatchObject({ name: 'EntityTooLarge', status: 400 });
    expect(r.payload.error.message).toContain(`(${maxObjectBodyBytes} bytes)`);
    expect(r.payload.after).toBe('put');
  });

  it('stops reading a streamed body once it passes the cap', async () => {
    const r = await invoke(server.lambda(), 's3-big', {
      mode: 'stream',
      size: maxObjectBodyBytes + (2 << 20),
    });
    expect(r.payload.error).toMatchObject({ name: 'EntityTooLarge', status: 400 });
    expect(r.payload.after).toBe('stream');
  });

  it('refuses to pass an object over the cap into the function with a clear error', async () => {
    await direct.send(
      new PutObjectCommand({
        Bucket: 'fn-data',
        Key: 'big/get.bin',
        Body: Buffer.alloc(maxObjectBodyBytes + 1),
      }),
    );
    const r = await invoke(server.lambda(), 's3-big', { mode: 'get' });
    expect(r.functionError).toBeUndefined();
    expect(r.payload.error).toMatchObject({ name: 'ResponseTooLarge', status: 413 });
    expect(r.payload.error.message).toMatch(/s3:\/\/fn-data\/big\/get\.bin is \d+ bytes; .*Range/);
    expect(r.payload.after).toBe('get');
  });
});
