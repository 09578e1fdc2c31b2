/**
 * The Amazon Resource Names of islet's resources, built in one place: the code that names a
 * resource to its users and the policy checks that match it (control/api-actions.ts, the
 * services' authorisation) must agree to the character. Pure functions, importable by any layer.
 */

/** Region and account that ARNs are built with. */
export interface Account {
  region: string;
  accountId: string;
}

/** `arn:aws:lambda:REGION:ACCOUNT:function:NAME` */
export function functionArn(a: Account, name: string): string {
  return `arn:aws:lambda:${a.region}:${a.accountId}:function:${name}`;
}

/** `arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID` */
export function eventSourceMappingArn(a: Account, uuid: string): string {
  return `arn:aws:lambda:${a.region}:${a.accountId}:event-source-mapping:${uuid}`;
}

/** `arn:aws:s3:::BUCKET`, or `arn:aws:s3:::BUCKET/KEY` for an object (S3 ARNs name no region or account). */
export function s3Arn(bucket: string, key?: string): string {
  return key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME` */
export function tableArn(a: Account, table: string): string {
  return `arn:aws:dynamodb:${a.region}:${a.accountId}:table/${table}`;
}

/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL` */
export function tableStreamArn(a: Account, table: string, streamLabel: string): string {
  return `${tableArn(a, table)}/stream/${streamLabel}`;
}

/** A DynamoDB stream ARN's parts, or undefined when `arn` is none. */
export function parseTableStreamArn(
  arn: string,
): { region: string; accountId: string; table: string; label: string } | undefined {
  const m =
    /^arn:aws[a-zA-Z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})\/stream\/([0-9T:.-]{1,64})$/.exec(
      arn,
    );
  return m ? { region: m[1]!, accountId: m[2]!, table: m[3]!, label: m[4]! } : undefined;
}

/** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME` */
export function kinesisStreamArn(a: Account, name: string): string {
  return `arn:aws:kinesis:${a.region}:${a.accountId}:stream/${name}`;
}

/** `arn:aws:events:REGION:ACCOUNT:rule/NAME`, or `rule/BUS/NAME` on a bus other than the default. */
export function ruleArn(a: Account, name: string, bus?: string): string {
  const prefix = bus && bus !== 'default' ? `${bus}/` : '';
  return `arn:aws:events:${a.region}:${a.accountId}:rule/${prefix}${name}`;
}

/** `arn:aws:logs:REGION:ACCOUNT:log-group:GROUP` */
export function logGroupArn(a: Account, group: string): string {
  return `arn:aws:logs:${a.region}:${a.accountId}:log-group:${group}`;
}

/** `arn:aws:iam::ACCOUNT:role/PATH/NAME` (path `/` or `/a/b/`) */
export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

/** `arn:aws:iam::ACCOUNT:user/PATH/NAME` (path `/` or `/a/b/`) */
export function userArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:user${path}${name}`;
}

/** `arn:aws:iam::ACCOUNT:root`: the account itself as a principal. */
export function accountRootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}
