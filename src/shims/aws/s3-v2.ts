import { s3Model } from './models/s3';
import { v2Service } from './v2';

type Callback = (err: unknown, data?: unknown) => void;
interface V2Request {
  promise(): Promise<unknown>;
}

/**
 * A v2 ManagedUpload (`s3.upload(params)`): one PutObject, since a function's bodies fit in one
 * request. Answers { ETag, Bucket, Key, key } (no Location: islet does not reveal the endpoint).
 */
class ManagedUpload {
  private started: Promise<unknown> | undefined;
  private readonly progress: Array<(p: { loaded: number; total: number }) => void> = [];

  constructor(
    private readonly put: () => V2Request,
    private readonly params: Record<string, unknown>,
  ) {}

  promise(): Promise<unknown> {
    this.started ??= this.put()
      .promise()
      .then((data) => {
        const size = bodySize(this.params.Body);
        for (const fn of this.progress) fn({ loaded: size, total: size });
        return {
          ...(data as object),
          Bucket: this.params.Bucket,
          Key: this.params.Key,
          key: this.params.Key,
        };
      });
    return this.started;
  }

  send(cb?: Callback): void {
    this.promise().then(
      (data) => cb?.(null, data),
      (err) => cb?.(err),
    );
  }

  on(event: string, fn: (p: { loaded: number; total: number }) => void): this {
    if (event === 'httpUploadProgress') this.progress.push(fn);
    return this;
  }

  abort(): void {}
}

function bodySize(body: unknown): number {
  if (typeof body === 'string') return new TextEncoder().encode(body).length;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength;
  return 0;
}

const unavailable = (what: string) =>
  new Error(`${what} is not available in islet: a function holds no credentials to sign URLs with`);

/** AWS.S3 (v2): the operations of the S3 model, plus upload() and the presigning methods. */
export class S3 extends v2Service(s3Model) {
  upload(params: Record<string, unknown> = {}, options?: unknown, cb?: Callback): ManagedUpload {
    const callback = typeof options === 'function' ? (options as Callback) : cb;
    const self = this as unknown as { putObject(p: Record<string, unknown>): V2Request };
    const upload = new ManagedUpload(() => self.putObject(params), params);
    if (callback) upload.send(callback);
    return upload;
  }

  getSignedUrl(_op: string, _params: unknown, cb?: Callback): undefined {
    if (cb) {
      cb(unavailable('getSignedUrl'));
      return undefined;
    }
    throw unavailable('getSignedUrl');
  }

  getSignedUrlPromise(): Promise<never> {
    return Promise.reject(unavailable('getSignedUrlPromise'));
  }

  createPresignedPost(): never {
    throw unavailable('createPresignedPost');
  }
}
Object.defineProperty(S3, 'name', { value: 'S3' });
