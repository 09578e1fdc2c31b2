/**
 * The AWS service a request is signed for, read from its SigV4 credential scope
 * (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), from the Authorization header or the
 * presigned-URL query. One port serves every API; this is how requests find theirs.
 */
export function signingService(
  authorization: string | undefined,
  credentialQuery: string | undefined,
): string | undefined {
  const credential =
    /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ??
    (credentialQuery ? decodeURIComponent(credentialQuery) : undefined);
  return credential?.split('/')[3];
}
