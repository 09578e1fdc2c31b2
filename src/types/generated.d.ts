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
