import { type ApiOptions, apiCall } from './api';

/** An error answered by one of islet's AWS APIs: its code and message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls an operation of a JSON protocol API (CloudWatch Logs: `logs`, JSON 1.1; CloudWatch:
 * `monitoring`, JSON 1.0) of a running islet; rejects with ApiError when the API answers one.
 */
export async function callOperation<T>(
  opts: ApiOptions,
  service: 'logs' | 'monitoring',
  operation: string,
  input: Record<string, unknown>,
): Promise<T> {
  const [target, version] =
    service === 'logs' ? ['Logs_20140328', '1.1'] : ['GraniteServiceVersion20100801', '1.0'];
  const res = await apiCall(
    opts,
    'POST',
    '/',
    JSON.stringify(input),
    { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': `${target}.${operation}` },
    service,
  );
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    if (res.ok)
      throw new ApiError('InvalidResponse', `islet answered ${operation} with something other than JSON`);
  }
  if (!res.ok) {
    const type = String(body.__type ?? res.headers.get('x-amzn-ErrorType') ?? res.status);
    throw new ApiError(type.replace(/^.*#/, ''), String(body.message ?? body.Message ?? res.statusText));
  }
  return body as T;
}

/** Whether a function exists (Lambda's GetFunction); errors other than not-found reject. */
export async function functionExists(opts: ApiOptions, name: string): Promise<boolean> {
  const res = await apiCall(opts, 'GET', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`);
  if (res.status === 404) return false;
  if (res.ok) return true;
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  throw new ApiError(
    res.headers.get('x-amzn-ErrorType') ?? String(res.status),
    body.message ?? res.statusText,
  );
}

/** A duration like 90s, 10m, 2h or 7d in ms; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Runs a command body, turning ApiError into `islet: CODE: message` and exit status 1. */
export async function reportingErrors(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    console.error(`islet: ${e.code}: ${e.message}`);
    process.exit(1);
  }
}
