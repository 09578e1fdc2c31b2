/**
 * Node built-ins that exist inside the sandbox. Everything else (child_process, net, ...)
 * fails with "module X is not available in islet".
 */

/** Ports from npm bundled at build time (scripts/build.mjs) and compiled on first require. */
export const portedBuiltins = [
  'assert',
  'buffer',
  'events',
  'path',
  'querystring',
  'string_decoder',
  'url',
  'util',
] as const;

/** Built-ins implemented by the shims themselves. */
export const shimBuiltins = [
  'process',
  'timers',
  'console',
  'path/posix',
  'util/types',
  'fs',
  'fs/promises',
  'os',
] as const;

/** Internal modules (not requireable by user code) that back lazily created globals, fs and os. */
export const internalModules = [
  'islet:whatwg-url',
  'islet:structured-clone',
  'islet:fetch',
  'islet:fs',
  'islet:os',
] as const;

/**
 * AWS SDK module names that always resolve to islet's shims, even when the function's zip bundles
 * its own copy (a real SDK could not reach the services from inside the sandbox). Each maps to
 * its implementation under src/shims/aws/, bundled at build time like the ports.
 */
export const sdkModules: Readonly<Record<string, string>> = {
  'aws-sdk': 'aws-sdk',
  '@aws-sdk/client-lambda': 'client-lambda',
  '@aws-sdk/client-dynamodb': 'client-dynamodb',
  '@aws-sdk/lib-dynamodb': 'lib-dynamodb',
  '@aws-sdk/util-dynamodb': 'util-dynamodb',
  '@aws-sdk/client-kinesis': 'client-kinesis',
  'aws-sdk/clients/dynamodb': 'clients-dynamodb',
  'aws-sdk/clients/kinesis': 'clients-kinesis',
  '@aws-sdk/client-s3': 'client-s3',
  'aws-sdk/clients/s3': 'clients-s3',
};

/** Every built-in name user code may require, with or without the node: prefix. */
export const providedBuiltins: ReadonlySet<string> = new Set<string>([
  ...portedBuiltins,
  ...shimBuiltins,
  ...Object.keys(sdkModules),
]);
