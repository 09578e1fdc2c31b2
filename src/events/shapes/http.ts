/**
 * Function URL / API Gateway HTTP API payload format 2.0: the event a handler receives for an
 * HTTP request, and how its result becomes the HTTP response.
 */

/** The request as islet's server saw it. */
export interface HttpRequestFacts {
  method: string;
  /** Path below the function URL's root, starting with '/'. */
  rawPath: string;
  rawQueryString: string;
  /** Header names lower-case; repeated headers joined with ','. */
  headers: Record<string, string>;
  body: Buffer;
  sourceIp: string;
  domainName: string;
  requestId: string;
  accountId: string;
  urlId: string;
  /** Present for AWS_IAM URLs. */
  iam?: Record<string, unknown>;
}

export interface HttpEventV2 {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: Record<string, unknown>;
  body?: string;
  isBase64Encoded: boolean;
}

const textual = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[a-z.+-]+\+(json|xml)))/i;

function clfTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Builds the payload 2.0 event for one HTTP request. */
export function buildHttpEvent(r: HttpRequestFacts, now = new Date()): HttpEventV2 {
  const headers = { ...r.headers };
  const cookies = headers.cookie ? headers.cookie.split(/;\s*/).filter(Boolean) : undefined;
  delete headers.cookie;
  let query: Record<string, string> | undefined;
  if (r.rawQueryString) {
    query = {};
    for (const [k, v] of new URLSearchParams(r.rawQueryString))
      query[k] = k in query ? `${query[k]},${v}` : v;
  }
  const isText = r.body.length === 0 || textual.test(headers['content-type'] ?? 'text/plain');
  const event: HttpEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: r.rawPath,
    rawQueryString: r.rawQueryString,
    cookies,
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: r.accountId,
      apiId: r.urlId,
      authorizer: r.iam ? { iam: r.iam } : undefined,
      domainName: r.domainName,
      domainPrefix: r.domainName.split('.')[0],
      http: {
        method: r.method,
        path: r.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: r.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: r.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    body: r.body.length ? (isText ? r.body.toString('utf8') : r.body.toString('base64')) : undefined,
    isBase64Encoded: r.body.length > 0 && !isText,
  };
  return event;
}

/** True when a value is an HTTP event of payload format 2.0. */
export function isHttpEvent(value: unknown): value is HttpEventV2 {
  const v = value as Partial<HttpEventV2> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === '2.0' &&
    typeof v.rawPath === 'string' &&
    typeof v.requestContext === 'object'
  );
}

/** The HTTP response a handler's result stands for. */
export interface HttpResponseParts {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * Maps a handler result (JSON text) to a response: an object with statusCode is a response; any
 * other value is sent as JSON with status 200 (Lambda's rule for payload 2.0).
 */
export function toHttpResponse(resultJson: string): HttpResponseParts {
  let value: unknown;
  try {
    value = JSON.parse(resultJson);
  } catch {
    value = undefined;
  }
  if (value !== null && typeof value === 'object' && 'statusCode' in value) {
    const r = value as {
      statusCode: unknown;
      headers?: Record<string, unknown>;
      body?: unknown;
      isBase64Encoded?: unknown;
      cookies?: unknown;
    };
    const status = Number(r.statusCode);
    const headers: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(r.headers ?? {}))
      if (v !== undefined && v !== null) headers.push([k, String(v)]);
    if (Array.isArray(r.cookies)) for (const c of r.cookies) headers.push(['set-cookie', String(c)]);
    const text =
      r.body === undefined || r.body === null
        ? ''
        : typeof r.body === 'string'
          ? r.body
          : JSON.stringify(r.body);
    const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
    return {
      status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 502,
      headers,
      body,
    };
  }
  const body = typeof value === 'string' ? value : resultJson;
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body, 'utf8') };
}
