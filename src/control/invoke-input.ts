import { InvalidParameterValueError, InvalidRequestContentError } from '../errors';
import { limits } from '../limits';
import type { InvocationResult } from '../runtime/invocation';
import { logTailBase64 } from '../runtime/report';

/** Invoke's invocation types. */
export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/**
 * Checks Invoke's InvocationType and LogType as Lambda does (absent: RequestResponse, None), for
 * the REST API and for functions invoking functions alike.
 */
export function invokeOptions(type: unknown, logType: unknown): { type: InvocationType; tail: boolean } {
  const t = type ?? 'RequestResponse';
  if (t !== 'RequestResponse' && t !== 'Event' && t !== 'DryRun') {
    throw new InvalidParameterValueError(`Unsupported InvocationType: ${String(t).slice(0, 40)}`);
  }
  const l = logType ?? 'None';
  if (l !== 'None' && l !== 'Tail') {
    throw new InvalidParameterValueError(`Unsupported LogType: ${String(l).slice(0, 40)}`);
  }
  return { type: t, tail: l === 'Tail' };
}

/**
 * A synchronous invocation's answer as Lambda gives it: the payload (replaced by
 * Function.ResponseSizeTooLarge when over the 6 MB limit), the function-error marker, and the
 * base64 log tail when asked for.
 */
export function syncAnswer(
  result: InvocationResult,
  tail: boolean,
): { payload: string; functionError?: 'Unhandled'; logResult?: string } {
  let payload = result.payload;
  let functionError: 'Unhandled' | undefined = result.status === 'function-error' ? 'Unhandled' : undefined;
  if (Buffer.byteLength(payload) > limits.maxSyncPayloadBytes) {
    functionError = 'Unhandled';
    payload = JSON.stringify({
      errorMessage: `Response payload size exceeded maximum allowed payload size (${limits.maxSyncPayloadBytes} bytes).`,
      errorType: 'Function.ResponseSizeTooLarge',
    });
  }
  return { payload, functionError, logResult: tail ? logTailBase64(result.log) : undefined };
}

/** Checks an Invoke payload is JSON (empty means {}) and returns its text. */
export function payloadText(body: Buffer): string {
  if (body.length === 0) return '{}';
  const text = body.toString('utf8');
  try {
    JSON.parse(text);
  } catch (e) {
    throw new InvalidRequestContentError(`Could not parse request body into json: ${(e as Error).message}`);
  }
  return text;
}

/** X-Amz-Client-Context: base64 of a JSON object. */
export function clientContext(header: string | undefined): unknown {
  if (header === undefined || header === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
    if (value !== null && typeof value === 'object') return value;
  } catch {
    // fall through
  }
  throw new InvalidRequestContentError('Client context must be a valid Base64-encoded JSON object.');
}
