/**
 * Node built-ins that exist inside the sandbox. Everything else (fs, child_process, net, ...)
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
export const shimBuiltins = ['process', 'timers', 'console', 'path/posix', 'util/types'] as const;

/** Internal modules (not requireable by user code) that back lazily created globals. */
export const internalModules = ['islet:whatwg-url', 'islet:structured-clone'] as const;

/** Every built-in name user code may require, with or without the node: prefix. */
export const providedBuiltins: ReadonlySet<string> = new Set<string>([...portedBuiltins, ...shimBuiltins]);
