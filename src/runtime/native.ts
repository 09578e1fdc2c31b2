import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type IsolatedVM from 'isolated-vm';

/**
 * The isolated-vm module. Run from dist/islet.cjs, it is plain `require('isolated-vm')` (kept
 * external by the bundler). Run as a single executable (scripts/build-exe.mjs), the native addon
 * travels inside the executable as the SEA asset `isolated_vm.node`: it is extracted once to the
 * cache directory (ISLET_CACHE_DIR, else $XDG_CACHE_HOME/islet, else ~/.cache/islet) under a name
 * that carries its sha256, and loaded from there.
 */

/** Name of the SEA asset that holds the isolated-vm native addon (see scripts/build-exe.mjs). */
export const ADDON_ASSET = 'isolated_vm.node';

interface SeaModule {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

/** Node's SEA module when running as a single executable, else undefined. */
export function seaModule(): SeaModule | undefined {
  try {
    const sea = createRequire(__filename)('node:sea') as SeaModule;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/** Where the native addon of a single executable is extracted. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ISLET_CACHE_DIR) return env.ISLET_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'islet');
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes `bytes` to `<dir>/<name>-<sha256>.node` (name: isolated_vm unless told) unless that file
 * already holds them, and returns its path. The file is never rewritten in place (another islet process may have it mapped):
 * a new copy goes to a temporary file in the same directory and is renamed over it.
 */
export function extractAddon(bytes: Uint8Array, dir: string, name = 'isolated_vm'): string {
  const hash = sha256(bytes);
  const file = join(dir, `${name}-${hash}.node`);
  try {
    if (sha256(readFileSync(file)) === hash) return file;
  } catch {
    // missing or unreadable: (re)extract below
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${name}-${hash}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      writeFileSync(tmp, bytes, { mode: 0o755, flag: 'wx', flush: true });
      renameSync(tmp, file);
    } finally {
      rmSync(tmp, { force: true });
    }
  } catch (e) {
    throw new Error(
      `cannot extract the ${name === 'isolated_vm' ? 'isolated-vm' : name} native addon to ${dir} (set ISLET_CACHE_DIR to a writable directory): ${(e as Error).message}`,
    );
  }
  return file;
}

function load(): typeof IsolatedVM {
  const sea = seaModule();
  if (!sea) return require('isolated-vm');
  const file = extractAddon(new Uint8Array(sea.getRawAsset(ADDON_ASSET)), cacheDir());
  const m = { exports: {} as { ivm?: typeof IsolatedVM } };
  process.dlopen(m, file);
  if (!m.exports.ivm) throw new Error(`${file} is not the isolated-vm addon (no 'ivm' export)`);
  return m.exports.ivm;
}

const ivm: typeof IsolatedVM = load();

// The same name as a namespace of types, so that `ivm.Reference<T>` etc. work where this is imported.
declare namespace ivm {
  export type Transferable = IsolatedVM.Transferable;
  export type Isolate = IsolatedVM.Isolate;
  export type IsolateOptions = IsolatedVM.IsolateOptions;
  export type ContextOptions = IsolatedVM.ContextOptions;
  export type HeapStatistics = IsolatedVM.HeapStatistics;
  export type CompileModuleOptions = IsolatedVM.CompileModuleOptions;
  export type Context = IsolatedVM.Context;
  export type ContextEvalOptions = IsolatedVM.ContextEvalOptions;
  export type ContextEvalClosureOptions = IsolatedVM.ContextEvalClosureOptions;
  export type Script = IsolatedVM.Script;
  export type ScriptRunOptions = IsolatedVM.ScriptRunOptions;
  export type Module = IsolatedVM.Module;
  export type Reference<T = any> = IsolatedVM.Reference<T>;
  export type Dereference<T> = IsolatedVM.Dereference<T>;
  export type ReferenceApplyOptions = IsolatedVM.ReferenceApplyOptions;
  export type ExternalCopy<T = any> = IsolatedVM.ExternalCopy<T>;
  export type Copy<T> = IsolatedVM.Copy<T>;
  export type ExternalCopyOptions = IsolatedVM.ExternalCopyOptions;
  export type ExternalCopyCopyOptions = IsolatedVM.ExternalCopyCopyOptions;
  export type Callback<T extends (...args: any[]) => any = any> = IsolatedVM.Callback<T>;
  export type CallbackOptions = IsolatedVM.CallbackOptions;
  export type NativeModule = IsolatedVM.NativeModule;
  export type ThreadCpuProfile = IsolatedVM.ThreadCpuProfile;
  export type CpuProfile = IsolatedVM.CpuProfile;
  export type InspectorSession = IsolatedVM.InspectorSession;
  export type CachedDataOptions = IsolatedVM.CachedDataOptions;
  export type CachedDataResult = IsolatedVM.CachedDataResult;
  export type ReleaseOptions = IsolatedVM.ReleaseOptions;
  export type RunOptions = IsolatedVM.RunOptions;
  export type ScriptOrigin = IsolatedVM.ScriptOrigin;
  export type SnapshotScriptInfo = IsolatedVM.SnapshotScriptInfo;
  export type ScriptInfo = IsolatedVM.ScriptInfo;
  export type TransferOptions = IsolatedVM.TransferOptions;
  export type TransferOptionsBidirectional = IsolatedVM.TransferOptionsBidirectional;
}

export default ivm;
