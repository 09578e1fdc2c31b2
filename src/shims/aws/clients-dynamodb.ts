declare const require: (id: string) => unknown;

/** `aws-sdk/clients/dynamodb`: the same class as `require('aws-sdk').DynamoDB`. */
export default (require('aws-sdk') as { DynamoDB: unknown }).DynamoDB;
