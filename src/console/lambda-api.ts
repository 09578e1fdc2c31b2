import { send, sendJson } from './api';

/** FunctionConfiguration as the Lambda API answers it (the fields the console reads). */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  RevisionId: string;
  Environment?: { Variables?: Record<string, string> };
}

/** Settings of CreateFunction and UpdateFunctionConfiguration. */
export interface FunctionSettings {
  Description?: string;
  Handler?: string;
  Runtime?: string;
  MemorySize?: number;
  Timeout?: number;
  Role?: string;
  Environment?: { Variables: Record<string, string> };
}

const fnPath = (name: string) => `/2015-03-31/functions/${encodeURIComponent(name)}`;

/** Every function (ListFunctions, all pages). */
export async function listFunctions(): Promise<FunctionConfiguration[]> {
  const all: FunctionConfiguration[] = [];
  let marker: string | undefined;
  do {
    const page = await sendJson<{ Functions: FunctionConfiguration[]; NextMarker?: string | null }>(
      'lambda',
      {
        path: '/2015-03-31/functions',
        query: { MaxItems: 50, Marker: marker },
      },
    );
    all.push(...page.Functions);
    marker = page.NextMarker ?? undefined;
  } while (marker);
  return all;
}

/** GetFunction: the configuration and a URL the code can be downloaded from. */
export function getFunction(name: string) {
  return sendJson<{ Configuration: FunctionConfiguration; Code: { Location: string } }>('lambda', {
    path: fnPath(name),
  });
}

/** CreateFunction with an inline zip (base64). */
export function createFunction(input: FunctionSettings & { FunctionName: string; ZipFileBase64: string }) {
  const { ZipFileBase64, ...rest } = input;
  return sendJson<FunctionConfiguration>('lambda', {
    method: 'POST',
    path: '/2015-03-31/functions',
    body: JSON.stringify({ ...rest, Code: { ZipFile: ZipFileBase64 } }),
  });
}

/** UpdateFunctionCode with an inline zip; refused if the function changed since `revisionId`. */
export function updateFunctionCode(name: string, zipBase64: string, revisionId?: string) {
  return sendJson<FunctionConfiguration>('lambda', {
    method: 'PUT',
    path: `${fnPath(name)}/code`,
    body: JSON.stringify({ ZipFile: zipBase64, RevisionId: revisionId }),
  });
}

/** UpdateFunctionConfiguration; refused if the function changed since `revisionId`. */
export function updateFunctionConfiguration(name: string, settings: FunctionSettings, revisionId?: string) {
  return sendJson<FunctionConfiguration>('lambda', {
    method: 'PUT',
    path: `${fnPath(name)}/configuration`,
    body: JSON.stringify({ ...settings, RevisionId: revisionId }),
  });
}

/** DeleteFunction. */
export async function deleteFunction(name: string): Promise<void> {
  await send('lambda', { method: 'DELETE', path: fnPath(name) });
}

/** What a synchronous Invoke with LogType Tail answered. */
export interface InvokeResult {
  statusCode: number;
  /** "Unhandled" when the function failed. */
  functionError?: string;
  payload: string;
  /** The last 4 KB of the invocation's log. */
  log: string;
  requestId?: string;
  executedVersion?: string;
}

function decodeBase64Text(b64: string): string {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/** Invoke (RequestResponse, LogType Tail). */
export async function invoke(name: string, payload: string): Promise<InvokeResult> {
  const res = await send('lambda', {
    method: 'POST',
    path: `${fnPath(name)}/invocations`,
    headers: { 'X-Amz-Log-Type': 'Tail', 'X-Amz-Invocation-Type': 'RequestResponse' },
    body: payload,
  });
  const log = res.headers.get('x-amz-log-result');
  return {
    statusCode: res.status,
    functionError: res.headers.get('x-amz-function-error') ?? undefined,
    payload: await res.text(),
    log: log ? decodeBase64Text(log) : '',
    requestId: res.headers.get('x-amzn-requestid') ?? undefined,
    executedVersion: res.headers.get('x-amz-executed-version') ?? undefined,
  };
}

/** An event source mapping as the Lambda API answers it (the fields the console reads). */
export interface EventSourceMapping {
  UUID: string;
  EventSourceArn: string;
  FunctionArn: string;
  State: string;
  BatchSize: number;
  StartingPosition?: string;
  LastModified?: number;
}

/** ListEventSourceMappings of one function (all pages). */
export async function listEventSourceMappings(functionName: string): Promise<EventSourceMapping[]> {
  const all: EventSourceMapping[] = [];
  let marker: string | undefined;
  do {
    const page = await sendJson<{ EventSourceMappings: EventSourceMapping[]; NextMarker?: string | null }>(
      'lambda',
      { path: '/2015-03-31/event-source-mappings', query: { FunctionName: functionName, Marker: marker } },
    );
    all.push(...page.EventSourceMappings);
    marker = page.NextMarker ?? undefined;
  } while (marker);
  return all;
}

/** CreateEventSourceMapping. */
export function createEventSourceMapping(input: {
  FunctionName: string;
  EventSourceArn: string;
  StartingPosition: string;
  BatchSize: number;
  Enabled: boolean;
}) {
  return sendJson<EventSourceMapping>('lambda', {
    method: 'POST',
    path: '/2015-03-31/event-source-mappings',
    body: JSON.stringify(input),
  });
}

/** DeleteEventSourceMapping. */
export async function deleteEventSourceMapping(uuid: string): Promise<void> {
  await send('lambda', {
    method: 'DELETE',
    path: `/2015-03-31/event-source-mappings/${encodeURIComponent(uuid)}`,
  });
}

/** Downloads a function's deployment package from GetFunction's Code.Location. */
export async function downloadCode(location: string): Promise<Uint8Array> {
  // Code.Location names the address the server was started with; the same path on this origin
  // is the same server, and keeps the request within the page's connect-src 'self'.
  const u = new URL(location, window.location.origin);
  const res = await fetch(`${u.pathname}${u.search}`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`The code download failed: ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}
