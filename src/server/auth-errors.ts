import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { ApiName } from '../control/api-actions';
import type { SigV4Failure, SigV4FailureKind } from '../control/sigv4';
import { LambdaError, type RequestTooLargeError } from '../errors';
import { errorResponse } from './on-error';
import { escapeXml } from './xml';

/**
 * Authentication and authorisation refusals in each API's own error shape: Lambda's
 * x-amzn-ErrorType + JSON, JSON 1.0/1.1 `__type` (EventBridge, CloudWatch Logs), S3's XML
 * `<Error>`, the query protocol's `<ErrorResponse>` (IAM, CloudWatch) and RPCv2 CBOR (CloudWatch).
 */

type Shape = [code: string, status: number];

/** What each failure is called: by Lambda and the JSON services, by S3, by the query protocol. */
const failureShapes: Record<SigV4FailureKind, { json: string; s3: Shape; query: Shape }> = {
  missing: {
    json: 'MissingAuthenticationTokenException',
    s3: ['AccessDenied', 403],
    query: ['MissingAuthenticationToken', 403],
  },
  malformed: {
    json: 'IncompleteSignatureException',
    s3: ['AuthorizationHeaderMalformed', 400],
    query: ['IncompleteSignature', 400],
  },
  'bad-scope': {
    json: 'InvalidSignatureException',
    s3: ['AuthorizationHeaderMalformed', 400],
    query: ['SignatureDoesNotMatch', 403],
  },
  expired: {
    json: 'InvalidSignatureException',
    s3: ['RequestTimeTooSkewed', 403],
    query: ['SignatureDoesNotMatch', 403],
  },
  'not-yet-valid': {
    json: 'InvalidSignatureException',
    s3: ['RequestTimeTooSkewed', 403],
    query: ['SignatureDoesNotMatch', 403],
  },
  'presign-expired': {
    json: 'InvalidSignatureException',
    s3: ['AccessDenied', 403],
    query: ['SignatureDoesNotMatch', 403],
  },
  'unknown-key': {
    json: 'UnrecognizedClientException',
    s3: ['InvalidAccessKeyId', 403],
    query: ['InvalidClientTokenId', 403],
  },
  'inactive-key': {
    json: 'UnrecognizedClientException',
    s3: ['InvalidAccessKeyId', 403],
    query: ['InvalidClientTokenId', 403],
  },
  'missing-content-sha256': {
    json: 'InvalidSignatureException',
    s3: ['InvalidRequest', 400],
    query: ['SignatureDoesNotMatch', 403],
  },
  'content-mismatch': {
    json: 'InvalidSignatureException',
    s3: ['XAmzContentSHA256Mismatch', 400],
    query: ['SignatureDoesNotMatch', 403],
  },
  mismatch: {
    json: 'InvalidSignatureException',
    s3: ['SignatureDoesNotMatch', 403],
    query: ['SignatureDoesNotMatch', 403],
  },
  replayed: {
    json: 'InvalidSignatureException',
    s3: ['AccessDenied', 403],
    query: ['SignatureDoesNotMatch', 403],
  },
};

/** S3 words some refusals its own way. */
const s3Messages: Partial<Record<SigV4FailureKind, string>> = {
  missing: 'Access Denied',
  'unknown-key': 'The AWS Access Key Id you provided does not exist in our records.',
  'inactive-key': 'The AWS Access Key Id you provided does not exist in our records.',
  expired: 'The difference between the request time and the current time is too large.',
  'not-yet-valid': 'The difference between the request time and the current time is too large.',
  'presign-expired': 'Request has expired',
  mismatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
};

/** XML namespaces of the query-protocol APIs. */
const queryNamespaces: Partial<Record<ApiName, string>> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  monitoring: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
};

type Wire = 'lambda' | 'json' | 's3' | 'query' | 'cbor';

/** The wire format a refusal must use: CloudWatch speaks three, told apart by the request. */
function wireOf(c: Context, api: ApiName): Wire {
  if (api === 'lambda') return 'lambda';
  if (api === 's3') return 's3';
  if (api === 'iam') return 'query';
  if (api === 'monitoring') {
    if (/^\/service\/[^/]+\/operation\//.test(c.req.path)) return 'cbor';
    return c.req.header('x-amz-target') === undefined ? 'query' : 'json';
  }
  return 'json';
}

/** CBOR of a map of short text strings (major types 5 and 3), enough for an error body. */
function cborTextMap(entries: Record<string, string>): Buffer {
  const head = (major: number, n: number) =>
    n < 24
      ? Buffer.from([(major << 5) | n])
      : n < 256
        ? Buffer.from([(major << 5) | 24, n])
        : Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const text = (s: string) => {
    const bytes = Buffer.from(s.slice(0, 4000), 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  };
  const parts = Object.entries(entries).flatMap(([k, v]) => [text(k), text(v)]);
  return Buffer.concat([head(5, Object.keys(entries).length), ...parts]);
}

/** An error in the shape of `api`. `status` is the HTTP status for S3 and query APIs; JSON services answer 400 or 403. */
export function apiError(
  c: Context,
  api: ApiName,
  code: string,
  status: number,
  message: string,
  detail: Record<string, string> = {},
): Response {
  const requestId = randomUUID();
  const wire = wireOf(c, api);
  if (wire === 'lambda') return errorResponse(c, new LambdaError(code, status, message));
  if (wire === 'json') {
    // JSON 1.0/1.1 services answer client errors, authentication included, with 400.
    return c.body(JSON.stringify({ __type: code, message }), 400, {
      'Content-Type': api === 'monitoring' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
      'x-amzn-RequestId': requestId,
    });
  }
  if (wire === 'cbor') {
    return c.body(new Uint8Array(cborTextMap({ __type: code, message })), 400, {
      'Content-Type': 'application/cbor',
      'smithy-protocol': 'rpc-v2-cbor',
      'x-amzn-RequestId': requestId,
    });
  }
  const fields = Object.entries(detail)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');
  const xml =
    wire === 's3'
      ? `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}<RequestId>${requestId}</RequestId></Error>`
      : `<ErrorResponse xmlns="${queryNamespaces[api] ?? ''}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, status as 403, {
    'Content-Type': wire === 's3' ? 'application/xml' : 'text/xml',
    'x-amz-request-id': requestId,
    'x-amzn-RequestId': requestId,
  });
}

/** A request that failed authentication. */
export function refusal(c: Context, api: ApiName, f: SigV4Failure): Response {
  const shape = failureShapes[f.kind];
  const wire = wireOf(c, api);
  if (wire === 'lambda') return apiError(c, api, shape.json, 403, f.message);
  if (wire === 'json' || wire === 'cbor') return apiError(c, api, shape.json, 400, f.message);
  if (wire === 'query') return apiError(c, api, shape.query[0], shape.query[1], f.message);
  const code =
    f.kind === 'malformed' && c.req.query('X-Amz-Credential') !== undefined
      ? 'AuthorizationQueryParametersError'
      : shape.s3[0];
  const detail = { ...f.detail };
  if (f.kind === 'expired' || f.kind === 'not-yet-valid') detail.MaxAllowedSkewMilliseconds = '900000';
  return apiError(c, api, code, shape.s3[1], s3Messages[f.kind] ?? f.message, detail);
}

/** A caller not allowed the request's action. */
export function accessDenied(c: Context, api: ApiName, message: string): Response {
  const wire = wireOf(c, api);
  const code = wire === 's3' || wire === 'query' ? 'AccessDenied' : 'AccessDeniedException';
  return apiError(c, api, code, 403, message);
}

/** A request that names no operation islet knows (the routes would say the same). */
export function unknownOperation(c: Context, api: ApiName): Response {
  const what = `${c.req.method} ${c.req.path.slice(0, 200)}`;
  const wire = wireOf(c, api);
  if (wire === 's3') return apiError(c, api, 'NotImplemented', 501, `islet does not implement ${what}`);
  if (wire === 'query')
    return apiError(c, api, 'InvalidAction', 400, 'Could not find operation for this request');
  return apiError(c, api, 'UnknownOperationException', 400, `Unknown operation: ${what}`);
}

/** A body over the largest any operation takes, refused before its signature could be checked. */
export function tooLarge(c: Context, api: ApiName, e: RequestTooLargeError): Response {
  return api === 'lambda' ? errorResponse(c, e) : apiError(c, api, 'RequestEntityTooLarge', 413, e.message);
}
