import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a Code.Location URL stays valid (Lambda's presigned URLs: 10 minutes). */
const validForMs = 10 * 60 * 1000;

/** Signs and checks the Code.Location URLs that GetFunction returns, like S3 presigned URLs. */
export class CodeUrlSigner {
  constructor(private readonly secret: Buffer) {}

  private mac(sha: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${sha}:${expires}`).digest('hex');
  }

  /** Path and query of a URL serving the zip `sha` for the next 10 minutes. */
  sign(sha: string, now = Date.now()): string {
    const expires = now + validForMs;
    return `/code/${sha}.zip?expires=${expires}&signature=${this.mac(sha, expires)}`;
  }

  /** True when the signature is genuine and not expired. */
  verify(sha: string, expires: string | undefined, signature: string | undefined, now = Date.now()): boolean {
    const exp = Number(expires);
    if (!Number.isFinite(exp) || exp < now || typeof signature !== 'string') return false;
    const want = Buffer.from(this.mac(sha, exp));
    const got = Buffer.from(signature);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
