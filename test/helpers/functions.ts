import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
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
