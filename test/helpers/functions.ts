import {
  CreateFunctionCommand,
  InvokeCommand,
  type LambdaClient,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { makeZip } from './zip';

export const testRole = 'arn:aws:iam::123456789012:role/islet-test';

/** Creates a function from a map of files (default handler index.handler). */
export async function deploy(
  client: LambdaClient,
  name: string,
  files: Record<string, string | Buffer>,
  extra: {
    Handler?: string;
    MemorySize?: number;
    Timeout?: number;
    Environment?: { Variables: Record<string, string> };
  } = {},
) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: testRole,
      Handler: extra.Handler ?? 'index.handler',
      Code: { ZipFile: await makeZip(files) },
      MemorySize: extra.MemorySize,
      Timeout: extra.Timeout,
      Environment: extra.Environment,
    }),
  );
}

/** Invokes synchronously; returns the parsed payload, the function error marker and the decoded log tail. */
export async function invoke(client: LambdaClient, name: string, event: unknown = {}) {
  const out = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  return {
    status: out.StatusCode,
    functionError: out.FunctionError,
    payload: text ? JSON.parse(text) : undefined,
    log: out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : '',
  };
}

/**
 * Invokes synchronously, waiting out TooManyRequestsException: for functions with one reserved
 * slot (collectors) that a delivery may be holding for a moment.
 */
export async function invokeWhenFree(client: LambdaClient, name: string, event: unknown = {}, retryMs = 50) {
  for (;;) {
    try {
      return await invoke(client, name, event);
    } catch (e) {
      if (!(e instanceof TooManyRequestsException)) throw e;
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}

/** Polls `probe` every 100 ms until it returns a value; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
