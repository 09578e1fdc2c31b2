/**
 * The parameters of a form-encoded request (the IAM query API): those of the URL's query and of
 * the body together, one value per name. A name given more than once with different values (in
 * the query, the body or both) is refused rather than resolved: the check that authorises a call
 * and the code that runs it read parameters through this one function, so they cannot disagree
 * about which value counts.
 */
export function formParameters(
  query: URLSearchParams,
  body: Buffer | undefined,
): { params: Map<string, string> } | { conflict: string } {
  const params = new Map<string, string>();
  const all = [...query, ...new URLSearchParams(body?.toString('utf8') ?? '')];
  for (const [name, value] of all) {
    const known = params.get(name);
    if (known !== undefined && known !== value) return { conflict: name };
    params.set(name, value);
  }
  return { params };
}
