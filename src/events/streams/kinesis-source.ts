import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildKinesisRecord } from '../shapes/kinesis';
import type { ShardStart, StreamRecord, StreamSource } from './source';

/** Where islet reaches the Kinesis API (AWS, LocalStack, kinesalite, ...). */
export interface KinesisEndpoint {
  url?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A Kinesis stream read with the official SDK. */
export class KinesisSource implements StreamSource {
  private readonly client: KinesisClient;
  private readonly streamName: string;

  constructor(
    private readonly streamArn: string,
    endpoint: KinesisEndpoint,
    private readonly role: string,
  ) {
    this.streamName = streamArn.slice(streamArn.indexOf(':stream/') + 8);
    this.client = new KinesisClient({
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
      // The default handler speaks HTTP/2 (for SubscribeToShard), which many Kinesis-API servers do not.
      requestHandler: new NodeHttpHandler({ requestTimeout: 30_000 }),
      maxAttempts: 3,
    });
  }

  close(): void {
    this.client.destroy();
  }

  async listShards(signal?: AbortSignal): Promise<string[]> {
    const shards: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName }),
        { abortSignal: signal },
      );
      for (const s of out.Shards ?? []) if (s.ShardId) shards.push(s.ShardId);
      token = out.NextToken;
    } while (token);
    return shards;
  }

  async iterator(shardId: string, start: ShardStart, signal?: AbortSignal): Promise<string> {
    const out = await this.client.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: start.type as ShardIteratorType,
        StartingSequenceNumber: start.type === 'AFTER_SEQUENCE_NUMBER' ? start.sequenceNumber : undefined,
        Timestamp: start.type === 'AT_TIMESTAMP' ? start.timestamp : undefined,
      }),
      { abortSignal: signal },
    );
    if (!out.ShardIterator) throw new Error(`no iterator for ${shardId}`);
    return out.ShardIterator;
  }

  async read(
    shardId: string,
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ records: StreamRecord[]; next: string | undefined }> {
    const out = await this.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(10_000, limit) }),
      { abortSignal: signal },
    );
    const records = (out.Records ?? []).map((r) => {
      const arrival = r.ApproximateArrivalTimestamp ?? new Date();
      return {
        sequenceNumber: r.SequenceNumber ?? '',
        arrival,
        eventRecord: buildKinesisRecord({
          shardId,
          sequenceNumber: r.SequenceNumber ?? '',
          partitionKey: r.PartitionKey ?? '',
          data: r.Data ?? new Uint8Array(),
          arrival,
          streamArn: this.streamArn,
          region: this.streamArn.split(':')[3] ?? 'us-east-1',
          role: this.role,
        }) as unknown as Record<string, unknown>,
      };
    });
    return { records, next: out.NextShardIterator };
  }
}
