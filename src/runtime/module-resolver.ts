/**
 * Node's `require`/`import` resolution, run on the host over a read-only view of a function's code.
 *
 * User code sees its files under /var/task (Lambda's LAMBDA_TASK_ROOT). The sandbox asks the host to
 * resolve every specifier, so this module is also the containment boundary: nothing it returns lies
 * outside /var/task, whatever `..`, absolute path or package.json mapping the code tries.
 *
 * It follows Node 24's CommonJS loader for `require` and its ESM resolver for `import`; deviations are
 * noted where they happen (chiefly: no `.node` addons, no `module-sync` condition, no self-reference).
 */

import { posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sdkModules } from '../shims/builtin-names';

/** Read-only view of a function's unpacked code, addressed by virtual absolute POSIX paths under /var/task. */
export interface CodeTree {
  /** 'file' | 'dir' | undefined for a virtual path. */
  kind(path: string): 'file' | 'dir' | undefined;
  /** UTF-8 text of a file, or undefined if absent. */
  readText(path: string): string | undefined;
}

export type ModuleFormat = 'cjs' | 'esm' | 'json';

export type Resolution =
  /** A Node built-in islet provides; `name` has no `node:` prefix. */
  | { kind: 'builtin'; name: string }
  /** A Node built-in islet does not provide (fs, child_process, ...). */
  | { kind: 'unavailable'; name: string }
  | { kind: 'file'; path: string; format: ModuleFormat }
  | { kind: 'missing'; request: string };

export interface ResolveOptions {
  conditions: 'require' | 'import';
}

const TASK_ROOT = '/var/task';

/** Every core module name of Node 24 (`require('node:module').builtinModules`, prefixes stripped). */
export const nodeBuiltinNames: ReadonlySet<string> = new Set([
  ...['_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server'],
  ...['_stream_duplex', '_stream_passthrough', '_stream_readable', '_stream_transform', '_stream_wrap'],
  ...['_stream_writable', '_tls_common', '_tls_wrap', 'assert', 'assert/strict', 'async_hooks', 'buffer'],
  ...['child_process', 'cluster', 'console', 'constants', 'crypto', 'dgram', 'diagnostics_channel', 'dns'],
  ...['dns/promises', 'domain', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector'],
  ...['inspector/promises', 'module', 'net', 'os', 'path', 'path/posix', 'path/win32', 'perf_hooks'],
  ...['process', 'punycode', 'querystring', 'readline', 'readline/promises', 'repl', 'sea', 'sqlite'],
  ...['stream', 'stream/consumers', 'stream/promises', 'stream/web', 'string_decoder', 'sys', 'test'],
  ...['test/reporters', 'timers', 'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util'],
  ...['util/types', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib'],
]);

/** Newer built-ins exist only as `node:x`; a bare `test` or `sqlite` is an ordinary npm package. */
const PREFIX_ONLY = new Set(['sea', 'sqlite', 'test', 'test/reporters']);

/** What `require` probes: Node's require.extensions minus `.node` (native addons cannot run in an isolate). */
const EXTENSIONS = ['.js', '.json'];

/** Export conditions islet satisfies; `default` always matches. No `module-sync`, no `node-addons`. */
const CONDITIONS = { require: new Set(['node', 'require']), import: new Set(['node', 'import']) };

interface Ctx {
  tree: CodeTree;
  builtins: ReadonlySet<string>;
  esm: boolean;
  conditions: ReadonlySet<string>;
}

/**
 * An exports/imports target: a path whose file is still to be checked, a final Resolution (a 'missing'
 * one too: a valid target ends the search), or undefined when nothing valid matched.
 */
type Target = string | Resolution | undefined;

export function resolveModule(
  tree: CodeTree,
  fromPath: string,
  request: string,
  options: ResolveOptions,
  builtins: ReadonlySet<string>,
): Resolution {
  const esm = options.conditions === 'import';
  try {
    const result = resolve(
      { tree, builtins, esm, conditions: CONDITIONS[options.conditions] },
      fromPath,
      request,
    );
    if (result && result.kind !== 'missing') return result;
  } catch (error) {
    if (!(error instanceof InvalidPackageConfig)) throw error;
  }
  return { kind: 'missing', request };
}

function resolve(ctx: Ctx, fromPath: string, request: string): Resolution | undefined {
  if (request.startsWith('node:')) return builtin(ctx, request.slice(5));
  if (/^(\.\.?($|\/)|\/)/.test(request)) {
    // ESM specifiers are URLs (so `%20`, `?query` and `#hash` mean what they do in a browser) and are
    // taken literally: no extension probing, and a directory is ERR_UNSUPPORTED_DIR_IMPORT.
    if (ctx.esm) return toFile(ctx, urlPath(request, fromPath));
    // `./dir/`, `.` and `..` name directories, so require() skips the file attempt for them.
    const dirOnly = /(^|\/)\.{0,2}$/.test(request);
    return toFile(
      ctx,
      loadAsFileOrDirectory(ctx.tree, posix.resolve(posix.dirname(fromPath), request), dirOnly),
    );
  }
  if (ctx.esm && request.startsWith('file:')) return toFile(ctx, urlPath(request, fromPath));
  if (request.startsWith('#')) return resolveImports(ctx, fromPath, request);
  return resolvePackage(ctx, fromPath, request);
}

function builtin(ctx: Ctx, name: string): Resolution {
  return { kind: ctx.builtins.has(name) ? 'builtin' : 'unavailable', name };
}

function urlPath(request: string, fromPath: string): string | undefined {
  try {
    const path = fileURLToPath(new URL(request, pathToFileURL(fromPath)));
    return path.endsWith('/') ? undefined : path;
  } catch {
    return undefined; // not a file: URL, or an encoded '/' (ERR_INVALID_FILE_URL_PATH)
  }
}

/** Bare specifiers: core modules first (a node_modules/events never shadows `events`), then node_modules. */
function resolvePackage(ctx: Ctx, fromPath: string, request: string): Resolution | undefined {
  if (nodeBuiltinNames.has(request) && !PREFIX_ONLY.has(request)) return builtin(ctx, request);
  // The AWS SDK is always islet's shim, whatever copy the function bundles.
  if (Object.hasOwn(sdkModules, request)) return { kind: 'builtin', name: request };
  const match = /^(@[^/]+\/[^/]+|[^@/][^/]*)(\/.*)?$/.exec(request);
  if (!match || /^\.|%|\\/.test(match[1]!)) return undefined; // ERR_INVALID_MODULE_SPECIFIER
  const [, name, rest = ''] = match;
  for (const nm of nodeModulesDirs(posix.dirname(fromPath))) {
    const pkgDir = `${nm}/${name}`;
    const exports = readPackageJson(ctx.tree, pkgDir)?.exports;
    // A package with `exports` is sealed: whatever it does not export cannot be reached.
    if (exports != null) return resolveTarget(ctx, resolveExports(ctx, pkgDir, `.${rest}`, exports));
    if (ctx.esm) {
      // ESM stops at the first package directory it finds; below the root, subpaths are taken literally.
      if (ctx.tree.kind(pkgDir) !== 'dir') continue;
      if (!rest) return toFile(ctx, loadAsDirectory(ctx.tree, pkgDir));
      return rest.endsWith('/') ? undefined : toFile(ctx, posix.join(pkgDir, rest));
    }
    // require() probes `node_modules/pkg.js` too, and moves on to the next node_modules when nothing fits.
    const hit = loadAsFileOrDirectory(ctx.tree, posix.resolve(nm, request), request.endsWith('/'));
    if (hit) return toFile(ctx, hit);
  }
  return undefined;
}

/** `<dir>/node_modules` for dir and each ancestor up to /var/task, skipping node_modules/node_modules. */
function* nodeModulesDirs(dir: string): Generator<string> {
  for (let d = dir; inRoot(d); d = posix.dirname(d)) {
    if (posix.basename(d) !== 'node_modules') yield `${d}/node_modules`;
  }
}

function resolveExports(ctx: Ctx, pkgDir: string, subpath: string, exports: unknown): Target {
  // "exports": "./x.js", [...] or {"import": ...} are sugar for {".": ...}; mixing "." keys with condition
  // keys is ERR_INVALID_PACKAGE_CONFIG.
  if (typeof exports === 'string' || Array.isArray(exports))
    return resolveSubpath(ctx, { '.': exports }, subpath, pkgDir, false);
  if (!isRecord(exports)) return undefined;
  const keys = Object.keys(exports);
  const dotted = keys.filter((key) => key.startsWith('.')).length;
  if (dotted === 0 && keys.length > 0) return resolveSubpath(ctx, { '.': exports }, subpath, pkgDir, false);
  return dotted === keys.length ? resolveSubpath(ctx, exports, subpath, pkgDir, false) : undefined;
}

/** `#internal` specifiers map through the `imports` of the package.json whose scope the importer is in. */
function resolveImports(ctx: Ctx, fromPath: string, request: string): Resolution | undefined {
  if (request === '#' || request.endsWith('/')) return undefined; // ERR_INVALID_MODULE_SPECIFIER
  const scope = packageScope(ctx.tree, posix.dirname(fromPath));
  if (!scope || !isRecord(scope.pkg.imports)) return undefined;
  return resolveTarget(ctx, resolveSubpath(ctx, scope.pkg.imports, request, scope.dir, true));
}

/** Exact key first, then the `*` pattern with the longest prefix (then the longest key), as Node does. */
function resolveSubpath(
  ctx: Ctx,
  map: Record<string, unknown>,
  key: string,
  pkgDir: string,
  isImports: boolean,
): Target {
  if (Object.hasOwn(map, key) && !key.includes('*'))
    return packageTarget(ctx, map[key], undefined, pkgDir, isImports);
  let best: string | undefined;
  let star = -1;
  for (const pattern of Object.keys(map)) {
    const at = pattern.indexOf('*');
    if (at < 0 || pattern.indexOf('*', at + 1) >= 0 || key.length < pattern.length) continue;
    if (!key.startsWith(pattern.slice(0, at)) || !key.endsWith(pattern.slice(at + 1))) continue;
    if (best === undefined || at > star || (at === star && pattern.length > best.length))
      [best, star] = [pattern, at];
  }
  if (best === undefined) return undefined;
  return packageTarget(
    ctx,
    map[best],
    key.slice(star, key.length - (best.length - star - 1)),
    pkgDir,
    isImports,
  );
}

/**
 * One exports/imports target. `match` is what `*` captured (undefined for an exact key). Invalid targets
 * and unmatched conditions give undefined so arrays and condition objects fall through to the next entry;
 * the first valid target wins even if its file is absent (Node does not check existence here).
 */
function packageTarget(
  ctx: Ctx,
  target: unknown,
  match: string | undefined,
  pkgDir: string,
  isImports: boolean,
): Target {
  if (typeof target === 'string') {
    const expanded = match === undefined ? target : target.replaceAll('*', match);
    if (!target.startsWith('./')) {
      // Only `imports` may point into another package ("#dep": "dep-polyfill"); URLs and paths are invalid.
      const bare = isImports && !/^(\.\.\/|\/)/.test(target) && !URL.canParse(target);
      return bare
        ? (resolvePackage(ctx, `${pkgDir}/package.json`, expanded) ?? { kind: 'missing', request: expanded })
        : undefined;
    }
    // `.`, `..` and `node_modules` segments could climb out of the package or into its dependencies.
    if (hasBadSegment(target.slice(2)) || (match !== undefined && hasBadSegment(match))) return undefined;
    const path = posix.join(pkgDir, expanded);
    return path.startsWith(`${pkgDir}/`) ? path : undefined;
  }
  if (Array.isArray(target)) {
    for (const item of target) {
      const result = packageTarget(ctx, item, match, pkgDir, isImports);
      if (result !== undefined) return result;
    }
  } else if (isRecord(target)) {
    for (const [condition, value] of Object.entries(target)) {
      if (condition !== 'default' && !ctx.conditions.has(condition)) continue;
      const result = packageTarget(ctx, value, match, pkgDir, isImports);
      if (result !== undefined) return result;
    }
  }
  return undefined; // null (explicitly not exported), a non-matching condition set, or junk
}

/** A mapped target must be an existing file: neither require() nor import probe extensions here. */
function resolveTarget(ctx: Ctx, target: Target): Resolution | undefined {
  return typeof target === 'string' ? toFile(ctx, target) : target;
}

function hasBadSegment(path: string): boolean {
  return path.split(/[/\\]/).some((s) => s === '.' || s === '..' || s.toLowerCase() === 'node_modules');
}

/** LOAD_AS_FILE then LOAD_AS_DIRECTORY, as require() does for paths and for packages without `exports`. */
function loadAsFileOrDirectory(tree: CodeTree, path: string, dirOnly: boolean): string | undefined {
  return (dirOnly ? undefined : loadAsFile(tree, path)) ?? loadAsDirectory(tree, path);
}

function loadAsFile(tree: CodeTree, path: string): string | undefined {
  return [path, ...EXTENSIONS.map((ext) => path + ext)].find((p) => isFile(tree, p));
}

/** package.json `main` (as a file, then as a directory's index), else index; import uses it for package roots. */
function loadAsDirectory(tree: CodeTree, dir: string): string | undefined {
  if (!inRoot(dir) || tree.kind(dir) !== 'dir') return undefined;
  const main = readPackageJson(tree, dir)?.main;
  if (typeof main === 'string' && main) {
    const path = posix.resolve(dir, main);
    const hit = loadAsFile(tree, path) ?? loadIndex(tree, path);
    if (hit) return hit;
  }
  // A `main` that names nothing falls back to index.js (Node warns with DEP0128 but still does this).
  return loadIndex(tree, dir);
}

function loadIndex(tree: CodeTree, dir: string): string | undefined {
  return EXTENSIONS.map((ext) => `${dir}/index${ext}`).find((p) => isFile(tree, p));
}

function toFile(ctx: Ctx, path: string | undefined): Resolution | undefined {
  return path && isFile(ctx.tree, path)
    ? { kind: 'file', path, format: moduleFormat(ctx.tree, path) }
    : undefined;
}

/** Format of a file: .mjs/.cjs/.json by extension; .js by the nearest package.json's "type"; else cjs. */
export function formatOf(tree: CodeTree, path: string): ModuleFormat {
  try {
    return moduleFormat(tree, path);
  } catch (error) {
    if (error instanceof InvalidPackageConfig) return 'cjs';
    throw error;
  }
}

/** formatOf, but throwing InvalidPackageConfig as Node does when the package scope's package.json is broken. */
function moduleFormat(tree: CodeTree, path: string): ModuleFormat {
  const ext = posix.extname(path);
  if (ext === '.mjs') return 'esm';
  if (ext === '.json') return 'json';
  if (ext !== '.js') return 'cjs';
  return packageScope(tree, posix.dirname(path))?.pkg.type === 'module' ? 'esm' : 'cjs';
}

interface PackageJson {
  type?: unknown;
  main?: unknown;
  exports?: unknown;
  imports?: unknown;
}

/**
 * The nearest package.json at or above `dir` (Node's package scope). The walk stops at a node_modules
 * directory, so a dependency without its own package.json is CommonJS even inside a "type": "module" app,
 * and at /var/task, since nothing above it belongs to the function.
 */
function packageScope(tree: CodeTree, dir: string): { dir: string; pkg: PackageJson } | undefined {
  for (let d = dir; inRoot(d) && posix.basename(d) !== 'node_modules'; d = posix.dirname(d)) {
    const pkg = readPackageJson(tree, d);
    if (pkg) return { dir: d, pkg };
  }
  return undefined;
}

/** Parsed package.json per tree and directory: resolving a module graph rereads the same few many times. */
const packageJsonCache = new WeakMap<CodeTree, Map<string, PackageJson | InvalidPackageConfig | null>>();

/** A package.json that is not JSON: Node refuses to resolve or load through it (ERR_INVALID_PACKAGE_CONFIG). */
class InvalidPackageConfig extends Error {}

function readPackageJson(tree: CodeTree, dir: string): PackageJson | undefined {
  let cache = packageJsonCache.get(tree);
  if (!cache) {
    cache = new Map();
    packageJsonCache.set(tree, cache);
  }
  let pkg = cache.get(dir);
  if (pkg === undefined) {
    const text = inRoot(dir) ? tree.readText(`${dir}/package.json`) : undefined;
    pkg = text === undefined ? null : parsePackageJson(dir, text);
    cache.set(dir, pkg);
  }
  if (pkg instanceof InvalidPackageConfig) throw pkg;
  return pkg ?? undefined;
}

function parsePackageJson(dir: string, text: string): PackageJson | InvalidPackageConfig {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    return new InvalidPackageConfig(`invalid ${dir}/package.json`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inRoot(path: string): boolean {
  return path === TASK_ROOT || path.startsWith(`${TASK_ROOT}/`);
}

function isFile(tree: CodeTree, path: string): boolean {
  return inRoot(path) && tree.kind(path) === 'file';
}

/**
 * Finds the handler module for a Lambda handler setting `dir/module.export.path`, as Lambda's Node
 * runtime (aws-lambda-nodejs-runtime-interface-client, UserFunction.js) does:
 * - a handler containing `..` is rejected; the module part must stay under /var/task;
 * - the basename splits at its FIRST dot: `index.obj.handler` is module `index`, export path `obj.handler`
 *   (the caller walks it property by property, as Lambda does);
 * - the module is tried extensionless (via require, so a directory works too), then `.js`, `.mjs`, `.cjs`,
 *   and finally as a package in node_modules (Lambda's `require.resolve(module, {paths})` fallback).
 */
export function resolveHandler(
  tree: CodeTree,
  handler: string,
): { path: string; format: 'cjs' | 'esm'; exportName: string } | undefined {
  if (handler.includes('..')) return undefined;
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot < 0) return undefined; // Lambda: MalformedHandlerName
  const dir = posix.resolve(TASK_ROOT, handler.slice(0, slash + 1));
  const modulePath = posix.resolve(dir, base.slice(0, dot));
  if (!inRoot(modulePath)) return undefined;

  const found = (resolution: Resolution | undefined) => {
    if (resolution?.kind !== 'file' || resolution.format === 'json') return undefined;
    return { path: resolution.path, format: resolution.format, exportName: base.slice(dot + 1) };
  };
  const requireFrom = (from: string, request: string) =>
    resolveModule(tree, `${from}/index.js`, request, { conditions: 'require' }, new Set());

  // Lambda commits to require() once the extensionless path exists, failing rather than trying .mjs.
  if (tree.kind(modulePath)) return found(requireFrom(dir, modulePath));
  for (const ext of ['.js', '.mjs', '.cjs']) {
    // An existing exact path is what require() picks first, so this is just the file, with its format.
    if (isFile(tree, modulePath + ext)) return found(requireFrom(dir, modulePath + ext));
  }
  const name = base.slice(0, dot);
  return found(requireFrom(TASK_ROOT, name)) ?? found(requireFrom(dir, name));
}
