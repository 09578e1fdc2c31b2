import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { type Context, Hono } from 'hono';
import { RequestTooLargeError } from '../../errors';
import type { Logger } from '../../logger';
import { TableEngineError } from '../../store/table-engine';
import { readBody } from '../body';

/** What the DynamoDB route calls: islet's own tables (src/services/dynamodb-embedded.ts). */
export interface TablesApi {
  call(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The DynamoDB Streams API of the tables (src/services/dynamodb-streams-api.ts). */
  callStreams?(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** Largest DynamoDB request body, as DynamoDB allows: 16 MB. */
const maxRequestBytes = 16 * 1024 * 1024;

const targetPattern = /^(DynamoDB|DynamoDBStreams)_20120810\.([A-Za-z]{1,64})$/;

/** A JSON 1.0 response with the CRC32 of its body, which DynamoDB clients (botocore) check. */
function answer(c: Context, status: number, body: unknown): Response {
  const text = JSON.stringify(body);
  return c.body(text, status as 200, {
    'Content-Type': 'application/x-amz-json-1.0',
    'x-amz-crc32': String(crc32(text)),
    'x-amzn-RequestId': randomUUID(),
  });
}

const failure = (c: Context, code: string, message: string, status = 400) =>
  answer(c, status, { __type: `com.amazon.coral.service#${code}`, message });

/**
 * The DynamoDB API (JSON 1.0, X-Amz-Target DynamoDB_20120810.Op) and the DynamoDB Streams API
 * (DynamoDBStreams_20120810.Op) on islet's port, for requests signed for service `dynamodb`:
 * islet's own tables. Translation only.
 */
export function dynamodbRoutes(tables: TablesApi, logger: Logger): Hono {
  const app = new Hono({ strict: false });
  app.post('*', async (c) => {
    const target = targetPattern.exec(c.req.header('x-amz-target') ?? '');
    const op = target?.[2];
    const streams = target?.[1] === 'DynamoDBStreams';
    if (!op || (streams && !tables.callStreams)) {
      return failure(c, 'UnknownOperationException', 'Unknown X-Amz-Target for DynamoDB');
    }
    let input: unknown;
    try {
      const body = await readBody(c, maxRequestBytes, op);
      input = JSON.parse(body.toString('utf8') || 'null');
    } catch (e) {
      if (e instanceof RequestTooLargeError) return failure(c, 'RequestEntityTooLarge', e.message, 413);
      return failure(c, 'SerializationException', 'The request body is not valid JSON');
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return failure(c, 'SerializationException', 'The request body must be a JSON object');
    }
    try {
      const call = streams ? tables.callStreams!.bind(tables) : tables.call.bind(tables);
      return answer(c, 200, await call(op, input as Record<string, unknown>));
    } catch (e) {
      if (e instanceof TableEngineError) return answer(c, e.status, e.body);
      const id = randomUUID();
      logger.error('dynamodb.internal_error', { id, op, error: (e as Error).message });
      return answer(c, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: `internal error; reference = ${id}`,
      });
    }
  });
  app.all('*', (c) => failure(c, 'UnknownOperationException', 'DynamoDB operations are POST requests'));
  return app;
}
