import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Endpoint } from './endpoints';
import { ServiceCallFailure } from './host';

/** Region and account that ARNs are built with (islet's own). */
export type { Account } from '../arns';

/** One permission a call needs: `action` on `resource`, as an IAM policy names them. */
export interface Permission {
  action: string;
  resource: string;
}

/** What every SDK client islet runs against an external endpoint is built with. */
export function clientSettings(e: Endpoint) {
  return {
    endpoint: e.url,
    region: e.region,
    credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey },
    // HTTP/1.1: Kinesis's default handler speaks HTTP/2, which most Kinesis-API servers do not.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }),
    maxAttempts: 3,
  };
}

/**
 * SDK clients for external endpoints, one per endpoint (URL, region and credentials), made on
 * first use. The endpoints come from the services file, so their number is fixed by it.
 */
export class EndpointClients<C extends { destroy(): void }> {
  private readonly clients = new Map<string, C>();

  constructor(private readonly make: (e: Endpoint) => C) {}

  for(e: Endpoint): C {
    const key = endpointKey(e);
    let client = this.clients.get(key);
    if (!client) {
      client = this.make(e);
      this.clients.set(key, client);
    }
    return client;
  }

  /** Closes every client's connections. */
  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}

/** Two endpoints are the same backend when URL, region and credentials match. */
export function endpointKey(e: Endpoint): string {
  return JSON.stringify([e.url, e.region, e.accessKeyId, e.secretAccessKey]);
}

/**
 * Runs one upstream request. An answer from the service (an SDK error with an HTTP status) goes
 * to the function as it is; an endpoint that cannot be reached becomes ServiceUnavailable (503)
 * saying which service and resource, never the endpoint's address.
 */
export async function sendUpstream<T>(what: string, signal: AbortSignal, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    const err = e as { $metadata?: { httpStatusCode?: number }; code?: unknown; name?: unknown };
    // The SDK's retry step adds $metadata to failures on the way; none means it failed before sending.
    if (signal.aborted || !err?.$metadata || err.$metadata.httpStatusCode !== undefined) throw e;
    const reason =
      typeof err?.code === 'string' ? err.code : typeof err?.name === 'string' ? err.name : 'error';
    throw new ServiceCallFailure('ServiceUnavailable', `${what} could not be reached (${reason})`, 503);
  }
}

/**
 * Whether `value` nests objects and arrays deeper than `limit` levels. Checked before the SDK
 * serialises an input, which recurses and would overflow the stack on absurd nesting.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof Date) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
