import { timingSafeEqual } from 'node:crypto';
import { ReplayGuard } from './replay-guard';
import {
  basicIso,
  canonicalRequests,
  headerValues,
  hexSha256,
  maxClockSkewMs,
  readSignature,
  type SignatureParts,
  type SignedRequest,
  SigV4Failure,
  sha256Hex,
  signatureOf,
  stringToSign,
} from './sigv4-canonical';

export { type SignedRequest, SigV4Failure, type SigV4FailureKind } from './sigv4-canonical';
export { ReplayGuard };

/**
 * AWS Signature Version 4 verification of incoming API requests: the Authorization header form
 * and the presigned-URL query form, the canonical request built exactly as the AWS SDKs and CLI
 * build it, a 15-minute clock window, constant-time comparison and replay refusal.
 */

/** What an access key id resolves to (the IAM store provides it). */
export interface AccessKeySecret {
  secret: string;
  userName: string;
  userArn: string;
  active: boolean;
}

/** Looks up access keys; undefined for a key id that does not exist. */
export interface AccessKeys {
  secretFor(accessKeyId: string): AccessKeySecret | undefined;
}

/** The caller a verified signature identifies. */
export interface VerifiedCaller {
  accessKeyId: string;
  userName: string;
  userArn: string;
  /** Service and region of the credential scope. */
  service: string;
  region: string;
}

/**
 * The payload hash the client signed. S3 takes it from x-amz-content-sha256 (required in the
 * header form; UNSIGNED-PAYLOAD and STREAMING-* are taken as they are, a hex hash must match the
 * body); presigned S3 URLs are UNSIGNED-PAYLOAD; every other service signs the body's SHA-256.
 * An S3 body the caller does not hold (`undefined`: an object upload, streamed to storage) is
 * checked against the hex hash by the S3 routes as it streams, before anything is stored.
 */
async function payloadHash(
  req: SignedRequest,
  parts: SignatureParts,
  body: () => Promise<Buffer | undefined>,
): Promise<string> {
  if (parts.scope.service !== 's3') {
    const whole = await body();
    if (whole === undefined) throw new SigV4Failure('content-mismatch', 'The request body was not read.');
    return sha256Hex(whole);
  }
  const claimed = headerValues(req, 'x-amz-content-sha256')[0]?.trim();
  if (claimed === undefined) {
    if (parts.form === 'query') return 'UNSIGNED-PAYLOAD';
    throw new SigV4Failure(
      'missing-content-sha256',
      'Missing required header for this request: x-amz-content-sha256',
    );
  }
  if (claimed === 'UNSIGNED-PAYLOAD' || claimed.startsWith('STREAMING-')) return claimed;
  if (!hexSha256.test(claimed)) {
    throw new SigV4Failure(
      'content-mismatch',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-* or a SHA-256 in hex.',
    );
  }
  const whole = await body();
  if (whole === undefined) return claimed;
  const computed = sha256Hex(whole);
  if (computed !== claimed) {
    throw new SigV4Failure(
      'content-mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        ClientComputedContentSHA256: claimed,
        S3ComputedContentSHA256: computed,
      },
    );
  }
  return claimed;
}

/** Settings of a SigV4Verifier. */
export interface VerifierOptions {
  keys: AccessKeys;
  /** The region credential scopes must name (IAM, a global service, also accepts us-east-1). */
  region: string;
  replay: ReplayGuard;
  /** Current time in ms (tests move it). */
  now?: () => number;
}

/** Verifies SigV4-signed requests against the access keys it is given. */
export class SigV4Verifier {
  private readonly now: () => number;

  constructor(private readonly options: VerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Authenticates a request, or throws SigV4Failure. `body` is read only when the payload hash
   * needs it; `service`, when given, is the only signing service accepted.
   */
  async authenticate(
    req: SignedRequest,
    body: () => Promise<Buffer | undefined>,
    service?: string,
  ): Promise<VerifiedCaller> {
    const parts = readSignature(req);
    if (!parts) throw new SigV4Failure('missing', 'Missing Authentication Token');
    this.checkScope(parts, service);
    const now = this.now();
    this.checkTime(parts, now);
    const key = this.options.keys.secretFor(parts.accessKeyId);
    const keyDetail = { AWSAccessKeyId: parts.accessKeyId };
    const invalidToken = 'The security token included in the request is invalid.';
    if (!key) throw new SigV4Failure('unknown-key', invalidToken, keyDetail);
    if (!key.active) throw new SigV4Failure('inactive-key', invalidToken, keyDetail);
    const candidates = canonicalRequests(req, parts, await payloadHash(req, parts, body));
    const provided = hexSha256.test(parts.signature) ? Buffer.from(parts.signature, 'hex') : undefined;
    const matched = candidates.some(
      (c) => provided && timingSafeEqual(signatureOf(key.secret, parts, stringToSign(parts, c)), provided),
    );
    if (!matched) {
      throw new SigV4Failure(
        'mismatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        { ...keyDetail, StringToSign: stringToSign(parts, candidates[0]), CanonicalRequest: candidates[0] },
      );
    }
    // A presigned URL is meant to be used again until it expires, as S3 allows (it is a bearer
    // link); a signed request in headers is refused as a replay after the guard's grace.
    if (
      parts.form === 'header' &&
      !this.options.replay.admit(parts.signature, parts.signedAtMs, parts.signedAtMs + maxClockSkewMs, now)
    ) {
      throw new SigV4Failure('replayed', 'This request signature was already used; sign each request anew.');
    }
    return {
      accessKeyId: parts.accessKeyId,
      userName: key.userName,
      userArn: key.userArn,
      service: parts.scope.service,
      region: parts.scope.region,
    };
  }

  private checkScope(parts: SignatureParts, service: string | undefined): void {
    const { date, region, terminator } = parts.scope;
    if (terminator !== 'aws4_request') {
      throw new SigV4Failure(
        'bad-scope',
        `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator.slice(0, 40)}'.`,
      );
    }
    if (date !== parts.amzDate.slice(0, 8)) {
      throw new SigV4Failure(
        'bad-scope',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date.slice(0, 20)}' != '${parts.amzDate.slice(0, 8)}', from '${parts.amzDate}'.`,
      );
    }
    const regions =
      parts.scope.service === 'iam' ? [this.options.region, 'us-east-1'] : [this.options.region];
    if (!regions.includes(region)) {
      throw new SigV4Failure(
        'bad-scope',
        `Credential should be scoped to a valid region, not '${region.slice(0, 40)}'.`,
        {
          Region: this.options.region,
        },
      );
    }
    if (service !== undefined && parts.scope.service !== service) {
      throw new SigV4Failure('bad-scope', `Credential should be scoped to correct service: '${service}'.`);
    }
  }

  private checkTime(parts: SignatureParts, now: number): void {
    const nowIso = basicIso(now);
    if (parts.signedAtMs - now > maxClockSkewMs) {
      throw new SigV4Failure(
        'not-yet-valid',
        `Signature not yet current: ${parts.amzDate} is still later than ${basicIso(now + maxClockSkewMs)} (${nowIso} + 15 min.)`,
        { RequestTime: parts.amzDate, ServerTime: nowIso },
      );
    }
    if (parts.form === 'query') {
      if (now > parts.signedAtMs + parts.expiresSeconds! * 1000) {
        throw new SigV4Failure(
          'presign-expired',
          `Signature expired: ${parts.amzDate} plus X-Amz-Expires ${parts.expiresSeconds} s is earlier than ${nowIso}`,
          {
            'X-Amz-Expires': String(parts.expiresSeconds),
            Expires: basicIso(parts.signedAtMs + parts.expiresSeconds! * 1000),
            ServerTime: nowIso,
          },
        );
      }
      return;
    }
    if (now - parts.signedAtMs > maxClockSkewMs) {
      throw new SigV4Failure(
        'expired',
        `Signature expired: ${parts.amzDate} is now earlier than ${basicIso(now - maxClockSkewMs)} (${nowIso} - 15 min.)`,
        { RequestTime: parts.amzDate, ServerTime: nowIso },
      );
    }
  }
}
