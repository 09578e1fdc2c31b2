import { type Codec, type Encoded, type Fault, type MemberTypes, plain, WireError } from './codec';

/** How a service names its errors on the JSON and CBOR wires. */
export interface ErrorNaming {
  /** The `__type` of an error code. */
  type(code: string): string;
  /** The `x-amzn-query-error` header (`Code;Sender`) of services that once spoke awsQuery. */
  queryError?(fault: Fault): string;
}

/** Error codes as they are: what JSON services that never spoke awsQuery send. */
export const plainErrorNames: ErrorNaming = { type: (code) => code };

/**
 * The awsJson 1.0 / 1.1 protocol (`POST /`, `X-Amz-Target: Service.Operation`): a JSON object each
 * way; timestamp members are epoch seconds.
 */
export function awsJson(version: '1.0' | '1.1', types: MemberTypes, errors: ErrorNaming): Codec {
  const contentType = `application/x-amz-json-${version}`;
  return {
    decode(body) {
      const text = body.toString('utf8').trim();
      if (!text) return {};
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new WireError('SerializationException', 'The request body is not valid JSON');
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new WireError('SerializationException', 'The request body must be a JSON object');
      }
      return plain(value, (v, key) =>
        types[key] === 'timestamp' && typeof v === 'number' ? new Date(v * 1000) : v,
      ) as Record<string, unknown>;
    },
    success(output): Encoded {
      const body = JSON.stringify(output, function (this: Record<string, unknown>, key, v) {
        const raw = this[key];
        return raw instanceof Date ? raw.getTime() / 1000 : v;
      });
      return { status: 200, headers: { 'Content-Type': contentType }, body };
    },
    failure(fault): Encoded {
      const headers: Record<string, string> = { 'Content-Type': contentType };
      const queryError = errors.queryError?.(fault);
      if (queryError) headers['x-amzn-query-error'] = queryError;
      return {
        status: fault.status,
        headers,
        body: JSON.stringify({ __type: errors.type(fault.code), message: fault.message }),
      };
    },
  };
}
