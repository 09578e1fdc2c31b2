import { describe, expect, it } from 'vitest';
import { ServiceEndpoints } from './endpoints';
import { ServiceCallFailure } from './host';
import { kinesisAccess, kinesisService } from './kinesis';
import { recordingContext, rejection } from './testing';

const account = { region: 'eu-west-1', accountId: '123456789012' };
const stream = (name: string) => `arn:aws:kinesis:eu-west-1:123456789012:stream/${name}`;
const data = new Uint8Array([1, 2]);

function failure(run: () => unknown): { code: string; message: string; statusCode: number } {
  try {
    run();
  } catch (e) {
    if (e instanceof ServiceCallFailure)
      return { code: e.code, message: e.message, statusCode: e.statusCode };
    throw e;
  }
  throw new Error('expected a failure');
}

describe('kinesisAccess', () => {
  it('asks for the operation on the stream named by StreamName', () => {
    const input = { StreamName: 'clicks', PartitionKey: 'p', Data: data };
    expect(kinesisAccess('PutRecord', input, account)).toEqual({
      stream: 'clicks',
      permission: { action: 'kinesis:PutRecord', resource: stream('clicks') },
      input,
    });
    expect(
      kinesisAccess(
        'PutRecords',
        { StreamName: 'clicks', Records: [{ Data: 'x', PartitionKey: 'p' }] },
        account,
      ).permission,
    ).toEqual({ action: 'kinesis:PutRecords', resource: stream('clicks') });
    expect(kinesisAccess('DescribeStreamSummary', { StreamName: 'clicks' }, account).permission).toEqual({
      action: 'kinesis:DescribeStreamSummary',
      resource: stream('clicks'),
    });
  });

  it('takes StreamARN as the resource and sends the stream by name', () => {
    const arn = 'arn:aws:kinesis:us-west-2:210987654321:stream/remote';
    expect(kinesisAccess('PutRecord', { StreamARN: arn, PartitionKey: 'p', Data: data }, account)).toEqual({
      stream: 'remote',
      permission: { action: 'kinesis:PutRecord', resource: arn },
      input: { StreamName: 'remote', PartitionKey: 'p', Data: data },
    });
  });

  it('asks for ListStreams on *', () => {
    expect(kinesisAccess('ListStreams', { Limit: 5 }, account)).toEqual({
      permission: { action: 'kinesis:ListStreams', resource: '*' },
      input: { Limit: 5 },
    });
  });

  it('refuses a missing or malformed stream and records without data', () => {
    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['PutRecord', { PartitionKey: 'p', Data: data }, 'ValidationException'],
      ['PutRecord', { StreamName: '', PartitionKey: 'p', Data: data }, 'ValidationException'],
      ['PutRecord', { StreamName: 'a/b', PartitionKey: 'p', Data: data }, 'ValidationException'],
      ['PutRecord', { StreamName: 'x'.repeat(129), PartitionKey: 'p', Data: data }, 'ValidationException'],
      [
        'PutRecord',
        { StreamARN: 'arn:aws:s3:::bucket', PartitionKey: 'p', Data: data },
        'ValidationException',
      ],
      ['PutRecord', { StreamARN: 5, PartitionKey: 'p', Data: data }, 'ValidationException'],
      [
        'PutRecord',
        { StreamName: 'a', StreamARN: stream('b'), PartitionKey: 'p', Data: data },
        'InvalidArgumentException',
      ],
      ['PutRecord', { StreamName: 'clicks', PartitionKey: 'p' }, 'ValidationException'],
      ['PutRecord', { StreamName: 'clicks', PartitionKey: 'p', Data: 42 }, 'ValidationException'],
      ['PutRecords', { StreamName: 'clicks' }, 'ValidationException'],
      ['PutRecords', { StreamName: 'clicks', Records: [] }, 'ValidationException'],
      [
        'PutRecords',
        { StreamName: 'clicks', Records: Array.from({ length: 501 }, () => ({ Data: data })) },
        'ValidationException',
      ],
      ['PutRecords', { StreamName: 'clicks', Records: [{ Data: data }, null] }, 'ValidationException'],
      ['PutRecords', { StreamName: 'clicks', Records: [{ Data: { x: 1 } }] }, 'ValidationException'],
      ['DescribeStreamSummary', {}, 'ValidationException'],
    ];
    for (const [op, input, code] of bad) {
      expect(
        failure(() => kinesisAccess(op, input, account)),
        `${op} ${JSON.stringify(input).slice(0, 80)}`,
      ).toMatchObject({ code, statusCode: 400 });
    }
    expect(
      failure(() =>
        kinesisAccess('PutRecords', { StreamName: 'clicks', Records: [{ Data: data }, {}] }, account),
      ).message,
    ).toContain('records.2.Data');
  });
});

describe('kinesisService', () => {
  const service = kinesisService({
    endpoints: new ServiceEndpoints(undefined, { region: 'us-east-1' }),
    account,
  });
  const context = recordingContext;
  const put = { StreamName: 'clicks', PartitionKey: 'p', Data: data };

  it('authorises before looking for an endpoint', async () => {
    const asked: string[] = [];
    expect((await rejection(service('PutRecord', put, context(true, asked)))).code).toBe(
      'AccessDeniedException',
    );
    expect(asked).toEqual([`kinesis:PutRecord ${stream('clicks')}`]);
  });

  it('answers ResourceNotFoundException when no endpoint serves the stream', async () => {
    const e = await rejection(service('PutRecord', put, context(false, [])));
    expect(e).toMatchObject({ code: 'ResourceNotFoundException', statusCode: 400 });
    expect(e.message).toContain("stream 'clicks'");
  });

  it('names an operation it does not offer', async () => {
    const e = await rejection(service('GetRecords', { ShardIterator: 'x' }, context(false, [])));
    expect(e.code).toBe('UnknownOperationException');
    expect(e.message).toContain('does not offer GetRecords');
  });
});
