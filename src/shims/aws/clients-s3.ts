declare const require: (id: string) => unknown;

/** `aws-sdk/clients/s3` inside the sandbox: the very class `require('aws-sdk').S3` is, as in v2. */
export default (require('aws-sdk') as { S3: unknown }).S3;
