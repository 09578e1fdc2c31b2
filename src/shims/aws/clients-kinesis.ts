declare const require: (id: string) => unknown;

/** `aws-sdk/clients/kinesis`: the same class as `require('aws-sdk').Kinesis`. */
export default (require('aws-sdk') as { Kinesis: unknown }).Kinesis;
