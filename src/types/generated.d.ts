/** Bundled at build time by scripts/build.mjs. */
declare module 'islet:sandbox' {
  /** Script text evaluating to the shims' install(host, bootstrapJson) function. */
  export const shimsSource: string;
  /** Built-in port name -> body of a CommonJS module wrapper. */
  export const portSources: Record<string, string>;
}

declare module 'islet:version' {
  export const version: string;
}

declare module 'islet:console' {
  /** The web console's bundled files by name (content-hashed): content type and text. */
  export const consoleAssets: Record<string, { contentType: string; body: string }>;
  /** index.html with {{region}} and {{account}} left for the server to fill. */
  export const consoleIndexTemplate: string;
}
