import { InvalidRequestContentError } from '../errors';

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
