/**
 * The AWS service a request is signed for, read from its SigV4 credential scope
 * (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), from the Authorization header or the
 * presigned-URL query. One port serves every API; this is how requests find theirs.
 */
export function signingService(
  authorization: string | undefined,
  credentialQuery: string | undefined,
): string | undefined {
  // The query value comes decoded already: decoding it again would throw on a literal '%'.
  const credential = /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ?? credentialQuery;
  return credential?.split('/')[3];
}

/**
 * The AWS service of an unsigned request, from its X-Amz-Target prefix or its Smithy RPC path
 * (the islet CLI signs only when credentials are set): CloudWatch Logs, CloudWatch and DynamoDB.
 */
export function unsignedService(target: string | undefined, path: string): string | undefined {
  if (target?.startsWith('Logs_20140328.')) return 'logs';
  if (target?.startsWith('DynamoDB_20120810.') || target?.startsWith('DynamoDBStreams_20120810.')) {
    return 'dynamodb';
  }
  if (target?.startsWith('GraniteServiceVersion20100801.')) return 'monitoring';
  if (path.startsWith('/service/GraniteServiceVersion20100801/')) return 'monitoring';
  return undefined;
}
