import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context, MiddlewareHandler } from 'hono';
import {
  type Account,
  type ApiAuthorizer,
  type ApiName,
  apiCallFor,
  invokeFunctionUrl,
} from '../control/api-actions';
import { s3Address } from '../control/s3-operations';
import { type SignedRequest, SigV4Failure, type SigV4Verifier, type VerifiedCaller } from '../control/sigv4';
import { RequestTooLargeError } from '../errors';
import { limits } from '../limits';
import type { Logger } from '../logger';
import { accessDenied, refusal, tooLarge, unknownOperation } from './auth-errors';
import { readBody } from './body';
import { signingService } from './signing';

/**
 * Authentication and authorisation of API requests: once access keys exist (or islet listens
 * beyond loopback), every API request must carry a valid SigV4 signature of an Active key and
 * its user must be allowed the request's IAM action. Refusals use each API's own error shape.
 */

/**
 * Routes with their own authentication, or none: health, Prometheus metrics (names and counts, no
 * payloads; scrapers cannot sign), storage hooks (token), function URLs (AuthType), code downloads
 * (signed URL).
 */
const openPaths = /^\/(?:healthz\/?$|metrics\/?$|hooks\/|fn\/|code\/)/;
/** The web console's page and assets (its API calls are signed like any other). */
const consolePages = /^\/console(?:\/|$)/;

function isOpen(c: Context): boolean {
  return (
    openPaths.test(c.req.path) ||
    ((c.req.method === 'GET' || c.req.method === 'HEAD') && consolePages.test(c.req.path))
  );
}

/** Which API a request is for: its signing service, else Lambda (unsigned requests use Lambda's paths). */
export function apiOf(c: Context): ApiName {
  const service =
    signingService(c.req.header('authorization'), c.req.query('X-Amz-Credential')) ??
    // An unsigned DynamoDB request is refused in DynamoDB's shape (its target names the API).
    (/^DynamoDB(Streams)?_20120810\./.test(c.req.header('x-amz-target') ?? '') ? 'dynamodb' : undefined);
  return service === 's3' ||
    service === 'events' ||
    service === 'iam' ||
    service === 'logs' ||
    service === 'monitoring' ||
    service === 'dynamodb'
    ? service
    : 'lambda';
}

function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

/** The request as the client signed it: the raw target and headers when Node's are at hand. */
export function signedRequestOf(c: Context): SignedRequest {
  const incoming = incomingOf(c);
  if (incoming?.url !== undefined && incoming.rawHeaders) {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2)
      pairs.push([incoming.rawHeaders[i], incoming.rawHeaders[i + 1]]);
    return { method: incoming.method ?? c.req.method, target: incoming.url, headers: pairs };
  }
  const u = new URL(c.req.url);
  return { method: c.req.method, target: `${u.pathname}${u.search}`, headers: [...c.req.raw.headers] };
}

/** Largest body read before the signature is checked: code uploads, else a synchronous payload. */
function bodyCap(c: Context): number {
  const upload =
    (c.req.method === 'POST' && /^\/2015-03-31\/functions\/?$/.test(c.req.path)) ||
    (c.req.method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/code\/?$/.test(c.req.path));
  return upload ? limits.maxCodeRequestBytes : limits.maxSyncPayloadBytes;
}

/** An S3 PutObject or UploadPart: a PUT to an object without a copy source. */
function isS3Upload(c: Context): boolean {
  return (
    c.req.method === 'PUT' &&
    c.req.header('x-amz-copy-source') === undefined &&
    s3Address(c.req.header('host'), new URL(c.req.url).pathname).key !== undefined
  );
}

/**
 * The body was read to check its hash: the routes read it again from a stand-in for Node's
 * request stream that replays those bytes (and keeps the socket, for the client's address).
 */
function replayBody(c: Context, body: Buffer): void {
  const original = incomingOf(c);
  const replay = Readable.from(body.length ? [body] : []);
  Object.assign(replay, {
    socket: original?.socket ?? {},
    url: original?.url,
    method: original?.method,
    headers: original?.headers,
    rawHeaders: original?.rawHeaders,
  });
  c.env = { ...(c.env as object), incoming: replay };
}

/** The authenticated caller of a request, for routes that act on "the caller" (IAM GetUser). */
export function callerOf(c: Context): VerifiedCaller | undefined {
  return (c.env as { isletCaller?: VerifiedCaller } | undefined)?.isletCaller;
}

/** Decides function URL requests with AuthType AWS_IAM. */
export interface FunctionUrlAuth {
  /** Whether the request carries a SigV4 signature at all (Authorization header or presigned query). */
  signed(c: Context): boolean;
  /** Whether the signed request may invoke the URL of `functionName` (`body` is the request body). */
  allows(c: Context, functionName: string, functionArn: string, body: Buffer): Promise<boolean>;
}

const hasSignature = (c: Context) =>
  /^AWS4-HMAC-SHA256 /.test(c.req.header('authorization') ?? '') ||
  c.req.query('X-Amz-Signature') !== undefined;

/** Local mode (no access keys): an AWS_IAM URL needs a signature of some key, not a valid one. */
export const signaturePresenceOnly: FunctionUrlAuth = {
  signed: hasSignature,
  allows: async () => true,
};

/** Settings of ApiAuth. */
export interface ApiAuthOptions {
  verifier: SigV4Verifier;
  authorizer: ApiAuthorizer;
  /** True when requests must be signed: access keys exist, or islet listens beyond loopback. */
  enforced(): boolean;
  account: Account;
  logger: Logger;
}

/** The middleware for the APIs and the check for AWS_IAM function URLs. */
export class ApiAuth {
  constructor(private readonly options: ApiAuthOptions) {}

  /** Hono middleware: passes open routes, refuses unsigned or unauthorised API requests. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (!this.options.enforced()) return next();
      const api = apiOf(c);
      if (api === 'lambda' && isOpen(c)) return next();
      let body: Buffer | undefined;
      const readOnce = async () => {
        // S3 object uploads stream to storage, which checks their hash (s3-body.ts).
        if (api === 's3' && isS3Upload(c)) return undefined;
        body ??= await readBody(c, bodyCap(c), 'requested');
        return body;
      };
      let caller: VerifiedCaller;
      try {
        caller = await this.options.verifier.authenticate(signedRequestOf(c), readOnce);
        if (api !== 's3') await readOnce();
      } catch (e) {
        if (e instanceof RequestTooLargeError) return tooLarge(c, api, e);
        if (!(e instanceof SigV4Failure)) throw e;
        this.options.logger.warn('auth.refused', {
          api,
          kind: e.kind,
          path: c.req.path.slice(0, 200),
          key: e.detail.AWSAccessKeyId,
        });
        return refusal(c, api, e);
      }
      const call = apiCallFor(
        {
          api,
          method: c.req.method,
          path: c.req.path,
          query: new URL(c.req.url).searchParams,
          header: (n) => c.req.header(n),
          body,
          url: c.req.url,
        },
        this.options.account,
        caller,
      );
      if (!call) return unknownOperation(c, api);
      const decision = this.options.authorizer.decide(call, caller, this.context(c, caller));
      if (!decision.allowed) {
        this.options.logger.warn('auth.denied', {
          user: caller.userName,
          action: call.action,
          resource: call.resource,
        });
        return accessDenied(c, api, decision.message);
      }
      if (body !== undefined) replayBody(c, body);
      c.env = { ...(c.env as object), isletCaller: caller };
      return next();
    };
  }

  /** Function URLs with AuthType AWS_IAM: a valid `lambda` signature and lambda:InvokeFunctionUrl. */
  readonly functionUrl: FunctionUrlAuth = {
    signed: hasSignature,
    allows: async (c, functionName, functionArn, body) => {
      if (!this.options.enforced()) return true;
      try {
        const caller = await this.options.verifier.authenticate(
          signedRequestOf(c),
          async () => body,
          'lambda',
        );
        const decision = this.options.authorizer.decide(
          {
            action: invokeFunctionUrl,
            resource: functionArn,
            functionName,
            context: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' },
          },
          caller,
          this.context(c, caller),
        );
        if (!decision.allowed)
          this.options.logger.warn('auth.denied', {
            user: caller.userName,
            action: invokeFunctionUrl,
            resource: functionArn,
          });
        return decision.allowed;
      } catch (e) {
        if (!(e instanceof SigV4Failure)) throw e;
        this.options.logger.warn('auth.refused', {
          api: 'function-url',
          kind: e.kind,
          function: functionName,
        });
        return false;
      }
    },
  };

  /** Global condition keys of a request. */
  private context(c: Context, caller: VerifiedCaller): Record<string, string> {
    const now = Date.now();
    const ip = incomingOf(c)?.socket?.remoteAddress;
    return {
      'aws:username': caller.userName,
      'aws:PrincipalArn': caller.userArn,
      'aws:PrincipalAccount': this.options.account.accountId,
      'aws:PrincipalType': 'User',
      'aws:RequestedRegion': caller.region,
      'aws:CurrentTime': new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:SecureTransport': 'false',
      ...(ip ? { 'aws:SourceIp': ip.replace(/^::ffff:/, '') } : {}),
    };
  }
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(?:::ffff:)?127\.\d+\.\d+\.\d+$/.test(host);
}

/** islet was asked to serve its API beyond loopback without any way to authenticate callers. */
export class InsecureBindError extends Error {}

/** Refuses to serve an unauthenticated API on a non-loopback address unless told to (--insecure). */
export function assertSafeBind(host: string, insecure: boolean, keysExist: boolean): void {
  if (isLoopbackHost(host) || insecure || keysExist) return;
  throw new InsecureBindError(
    `refusing to listen on ${host} without authentication: anyone who can reach it could deploy and run code. ` +
      'Create an access key first (islet keys create NAME --admin, with the same --data), ' +
      'or pass --insecure to serve the API to anyone who can reach it.',
  );
}

/** Whether any access key exists; re-read only when IAM data changed (in any process). */
export function accessKeysExist(store: {
  generation(): number;
  listAccessKeys(userName: undefined): unknown[];
}): () => boolean {
  let seen = Number.NaN;
  let exists = false;
  return () => {
    const generation = store.generation();
    if (generation !== seen) {
      seen = generation;
      exists = store.listAccessKeys(undefined).length > 0;
    }
    return exists;
  };
}
