import { DynamoDB } from './dynamodb-v2';
import { kinesisV2Model } from './models/kinesis';
import { lambdaModel } from './models/lambda';
import { S3 } from './s3-v2';
import { v2Service } from './v2';

/**
 * `aws-sdk` (v2) inside the sandbox. Configuration (region, credentials, endpoints) is accepted
 * and ignored: islet decides where calls go and signs them itself; a function holds no credentials.
 */
class Config {
  region: string | undefined;
  credentials: unknown = null;
  constructor(options: Record<string, unknown> = {}) {
    this.update(options);
  }
  update(options: Record<string, unknown> = {}): void {
    Object.assign(this, options);
  }
}

class Credentials {
  constructor(
    readonly accessKeyId?: string,
    readonly secretAccessKey?: string,
    readonly sessionToken?: string,
  ) {}
  get(cb?: (err: unknown) => void): void {
    cb?.(null);
  }
  getPromise(): Promise<void> {
    return Promise.resolve();
  }
}

class Endpoint {
  constructor(readonly href: string) {}
}

const AWS: Record<string, unknown> = {
  config: new Config(),
  Config,
  Credentials,
  EnvironmentCredentials: Credentials,
  SharedIniFileCredentials: Credentials,
  Endpoint,
  Lambda: v2Service(lambdaModel),
  DynamoDB,
  Kinesis: v2Service(kinesisV2Model),
  S3,
  VERSION: '2.1692.0',
};

export default AWS;
