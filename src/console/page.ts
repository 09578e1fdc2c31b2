/** What the server wrote into index.html: the region and account of ARNs. */
function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';
}

export const page = {
  /** Region of the server's ARNs, and of SigV4 credential scopes. */
  region: meta('islet-region') || 'us-east-1',
  /** Account id in the server's ARNs. */
  account: meta('islet-account') || '000000000000',
};
