import { portSources, shimsSource } from 'islet:sandbox';
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Bootstrap, HostFunctions } from '../shims/host';
import type { SandboxEntryPoints } from '../shims/index';
import type { Resolution } from './module-resolver';
import ivm from './native';

/**
 * The ONLY module that touches isolated-vm. It creates an isolate with the shims installed and
 * exposes it as plain typed operations; no Reference, ExternalCopy or Callback leaves this file.
 * Every host function handed to the sandbox takes and returns copied primitives.
 */

/** Host services a sandbox calls back into (implemented by the execution environment). */
export interface SandboxHooks {
  /** One log line written by the function. */
  log(line: string): void;
  /** Arm / disarm sandbox timer `id` (milliseconds). */
  timerSet(id: number, delayMs: number): void;
  timerClear(id: number): void;
  /** Resolve a module request from the module at `fromPath`. */
  resolve(fromPath: string, request: string, conditions: 'require' | 'import'): Resolution;
  /** Text of a code file, or undefined. */
  readText(path: string): string | undefined;
  /** Start service call `id` (the answer comes back through Sandbox.settleCall). */
  call(id: number, service: string, op: string, inputWire: string): void;
  /** One file system operation of the function's `fs` (runtime/executor/tmp-dir.ts): JSON or bytes. */
  fsOp(op: string, argsJson: string, data: Uint8Array | undefined): string | Uint8Array;
}

/** Lambda's error payload. */
export interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** Why an isolate call failed, from the host's point of view. */
export type SandboxFailure = 'timeout' | 'memory' | 'disposed' | 'error';

/** A failure of the sandbox itself (not an error thrown by the function). */
export class SandboxError extends Error {
  constructor(
    readonly failure: SandboxFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Compiled-code cache produced only by islet itself (never accepted from users: it is machine code).
 * Keyed by a hash of the exact source text; bounded by bytes.
 */
const codeCache = new LRUCache<string, ivm.ExternalCopy<ArrayBuffer>>({
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (v) => Math.max(1, v.copy().byteLength),
});

const startedAt = performance.now();

/** Cleans an error thrown by host code before it crosses into the sandbox: no host frames or paths. */
function clean(e: unknown): Error {
  const src = e instanceof Error ? e : new Error(String(e));
  const out = src instanceof SyntaxError ? new SyntaxError(src.message) : new Error(src.message);
  out.stack = `${out.name}: ${out.message}`;
  return out;
}

/**
 * Host functions are synchronous: the isolate waits for the host to take the call, so log lines
 * are in the invocation's buffer before its result arrives.
 */
function sync<A extends unknown[], R>(fn: (...args: A) => R): ivm.Callback {
  return new ivm.Callback((...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      throw clean(e);
    }
  });
}

function classify(e: unknown, isolate: ivm.Isolate): SandboxError {
  const message = e instanceof Error ? e.message : String(e);
  if (/memory limit/i.test(message)) return new SandboxError('memory', message);
  if (/timed out/i.test(message)) return new SandboxError('timeout', message);
  if (isolate.isDisposed || /disposed/i.test(message)) return new SandboxError('disposed', message);
  return new SandboxError('error', message);
}

/** Options for a new sandbox. */
export interface SandboxOptions {
  /** Heap limit in MB: the function's MemorySize. */
  memoryMb: number;
  bootstrap: Bootstrap;
}

/** Hooks of a sandbox not yet attached to an execution environment: every call is refused. */
const detached: SandboxHooks = {
  log: () => undefined,
  timerSet: () => undefined,
  timerClear: () => undefined,
  resolve: (_from, request) => ({ kind: 'missing', request }),
  readText: () => undefined,
  call: () => undefined,
  fsOp: () => '{"$err":"EACCES"}',
};

/** One V8 isolate with a context and islet's shims: the engine of one execution environment. */
export class Sandbox {
  /** Run calls on the caller's thread (cheap, but blocking) instead of isolated-vm's threads. */
  synchronous = false;

  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly context: ivm.Context,
    private readonly entry: {
      initCjs: ivm.Reference<SandboxEntryPoints['initCjs']>;
      initEsm: ivm.Reference<SandboxEntryPoints['initEsm']>;
      exportNames: ivm.Reference<SandboxEntryPoints['exportNames']>;
      invoke: ivm.Reference<SandboxEntryPoints['invoke']>;
      fireTimer: ivm.Reference<SandboxEntryPoints['fireTimer']>;
      setEnv: ivm.Reference<SandboxEntryPoints['setEnv']>;
      settleCall: ivm.Reference<SandboxEntryPoints['settleCall']>;
    },
  ) {}

  /** The execution environment's services; set by attach() before any user code runs. */
  private hooks: SandboxHooks = detached;

  /** Binds the sandbox to its execution environment (a spare sandbox is made before it has one). */
  attach(hooks: SandboxHooks): void {
    this.hooks = hooks;
  }

  /** Creates the isolate, its context and the shims. */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const isolate = new ivm.Isolate({ memoryLimit: Math.max(8, options.memoryMb) });
    try {
      const context = await isolate.createContext();
      let sandbox: Sandbox | undefined;
      const self = () => {
        if (!sandbox) throw new Error('sandbox not ready');
        return sandbox;
      };
      let compileInto: (source: string, filename: string) => unknown = () => undefined;
      const host: Record<keyof HostFunctions, ivm.Callback> = {
        log: sync((line: string) => self().hooks.log(String(line))),
        timerSet: sync((id: number, ms: number) => self().hooks.timerSet(Number(id), Number(ms))),
        timerClear: sync((id: number) => self().hooks.timerClear(Number(id))),
        resolve: sync((from: string, request: string, conditions: 'require' | 'import') =>
          JSON.stringify(
            self().hooks.resolve(
              String(from),
              String(request),
              conditions === 'import' ? 'import' : 'require',
            ),
          ),
        ),
        readText: sync((path: string) => self().hooks.readText(String(path))),
        compileCjs: sync((path: string) => {
          const text = self().hooks.readText(String(path));
          if (text === undefined) throw new Error(`Cannot find module '${path}'`);
          const body = text.startsWith('#!') ? `//${text}` : text;
          return compileInto(
            `(function (exports, require, module, __filename, __dirname) { ${body}\n})`,
            String(path),
          );
        }),
        loadBuiltin: sync((name: string) => {
          const source = portSources[String(name)];
          if (source === undefined) throw new Error(`module '${name}' is not available in islet`);
          return compileInto(
            `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
            `node:${name}`,
          );
        }),
        randomBytes: sync((n: number) => {
          const size = Math.min(65536, Math.max(0, Math.floor(Number(n)) || 0));
          const bytes = randomBytes(size);
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + size);
        }),
        now: sync(() => performance.now() - startedAt),
        call: sync((id: number, service: string, op: string, input: string) =>
          self().hooks.call(Number(id), String(service), String(op), String(input)),
        ),
        fsOp: sync((op: string, args: string, data: unknown) => {
          const bytes =
            data instanceof ArrayBuffer
              ? new Uint8Array(data)
              : ArrayBuffer.isView(data)
                ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
                : undefined;
          const out = self().hooks.fsOp(String(op), String(args), bytes);
          if (typeof out === 'string') return out;
          // Bytes cross as an ArrayBuffer of exactly the data read.
          return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
            ? out.buffer
            : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
        }),
      };
      compileInto = (source, filename) => {
        const script = compileCached(isolate, source, filename);
        return script.runSync(context, { reference: true }).derefInto();
      };
      const installScript = compileCached(isolate, shimsSource, 'islet:shims');
      const install = (await installScript.run(context, { reference: true })) as ivm.Reference<
        (...args: unknown[]) => SandboxEntryPoints
      >;
      const args = [
        host.log,
        host.timerSet,
        host.timerClear,
        host.resolve,
        host.readText,
        host.compileCjs,
        host.loadBuiltin,
        host.randomBytes,
        host.now,
        host.call,
        host.fsOp,
        JSON.stringify(options.bootstrap),
      ];
      const entries = (await install.apply(undefined, args, {
        result: { reference: true },
      })) as ivm.Reference<SandboxEntryPoints>;
      install.release();
      const get = async <K extends keyof SandboxEntryPoints>(k: K) =>
        (await entries.get(k, { reference: true })) as ivm.Reference<SandboxEntryPoints[K]>;
      const entry = {
        initCjs: await get('initCjs'),
        initEsm: await get('initEsm'),
        exportNames: await get('exportNames'),
        invoke: await get('invoke'),
        fireTimer: await get('fireTimer'),
        setEnv: await get('setEnv'),
        settleCall: await get('settleCall'),
      };
      entries.release();
      sandbox = new Sandbox(isolate, context, entry);
      return sandbox;
    } catch (e) {
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }

  /**
   * Loads the handler module (CommonJS or ES module) and binds the handler. Returns an error
   * payload when the function's code fails to load; throws SandboxError when the sandbox fails.
   */
  async init(
    module: { path: string; format: 'cjs' | 'esm' },
    handlerSetting: string,
    exportPath: string,
    factsJson: string,
    timeoutMs: number,
  ): Promise<ErrorPayload | undefined> {
    try {
      let text: string;
      if (module.format === 'cjs') {
        const args: [string, string, string, string] = [factsJson, module.path, handlerSetting, exportPath];
        // On the synchronous path the module loads with no thread hops (each require is a host call).
        text = (
          this.synchronous
            ? this.entry.initCjs.applySync(undefined, args, { timeout: timeoutMs })
            : await this.entry.initCjs.apply(undefined, args, { timeout: timeoutMs })
        ) as string;
      } else {
        const env = (JSON.parse(factsJson) as { env?: Record<string, string> }).env ?? {};
        await this.entry.setEnv.apply(undefined, [JSON.stringify(env)]);
        const ns = await this.loadEsm(module.path, timeoutMs);
        text = (await this.entry.initEsm.apply(
          undefined,
          [factsJson, ns.derefInto(), handlerSetting, exportPath],
          {
            timeout: timeoutMs,
          },
        )) as string;
      }
      return text ? (JSON.parse(text) as ErrorPayload) : undefined;
    } catch (e) {
      if (e instanceof EsmLoadError) return e.payload;
      throw classify(e, this.isolate);
    }
  }

  /** Runs one invocation; resolves with the shims' Outcome text (R/E/X prefixed JSON). */
  async invoke(
    requestId: string,
    payloadJson: string,
    deadlineMs: number,
    extrasJson: string | undefined,
    timeoutMs: number,
  ): Promise<string> {
    // Async apply runs the isolate on isolated-vm's threads, so a function that spins cannot stall
    // the other functions of this executor. applySync is ~5x cheaper but blocks this thread while
    // the handler's synchronous part runs: used only when `synchronous` is set (see fast-path.ts).
    const args: [string, string, number, string | undefined] = [
      requestId,
      payloadJson,
      deadlineMs,
      extrasJson,
    ];
    const options = { result: { promise: true as const }, timeout: Math.max(1, Math.ceil(timeoutMs)) };
    try {
      if (this.synchronous) return (await this.entry.invoke.applySync(undefined, args, options)) as string;
      return (await this.entry.invoke.apply(undefined, args, options)) as string;
    } catch (e) {
      throw classify(e, this.isolate);
    }
  }

  /** Delivers a due timer into the sandbox. Failures are reported through `onFailure`. */
  fireTimer(id: number, timeoutMs: number, onFailure: (e: SandboxError) => void): void {
    if (this.isolate.isDisposed) return;
    const options = { timeout: Math.max(1, Math.ceil(timeoutMs)) };
    if (this.synchronous) {
      try {
        this.entry.fireTimer.applySync(undefined, [id], options);
      } catch (e) {
        onFailure(classify(e, this.isolate));
      }
      return;
    }
    this.entry.fireTimer
      .apply(undefined, [id], options)
      .catch((e: unknown) => onFailure(classify(e, this.isolate)));
  }

  /** Delivers the answer to service call `id`. Failures are reported through `onFailure`. */
  settleCall(
    id: number,
    ok: boolean,
    wire: string,
    timeoutMs: number,
    onFailure: (e: SandboxError) => void,
  ): void {
    if (this.isolate.isDisposed) return;
    const args: [number, boolean, string] = [id, ok, wire];
    const options = { timeout: Math.max(1, Math.ceil(timeoutMs)) };
    if (this.synchronous) {
      try {
        this.entry.settleCall.applySync(undefined, args, options);
      } catch (e) {
        onFailure(classify(e, this.isolate));
      }
      return;
    }
    this.entry.settleCall
      .apply(undefined, args, options)
      .catch((e: unknown) => onFailure(classify(e, this.isolate)));
  }

  /** CPU time this isolate has used, in milliseconds. */
  cpuTimeMs(): number {
    return Number(this.isolate.cpuTime) / 1e6;
  }

  /** Heap plus external (ArrayBuffer) bytes in use. */
  memoryUsedBytes(): number {
    if (this.isolate.isDisposed) return 0;
    const s = this.isolate.getHeapStatisticsSync();
    return s.used_heap_size + s.externally_allocated_size;
  }

  /**
   * Heap plus external bytes, measured without blocking this thread: the synchronous form waits for
   * the isolate's lock, which a function that spins holds until its timeout.
   */
  async memoryUsedBytesAsync(): Promise<number> {
    if (this.isolate.isDisposed) return 0;
    const s = await this.isolate.getHeapStatistics();
    return s.used_heap_size + s.externally_allocated_size;
  }

  get disposed(): boolean {
    return this.isolate.isDisposed;
  }

  /** Frees the isolate; any call in flight fails with a 'disposed' SandboxError. */
  dispose(): void {
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  /** Compiles, links and evaluates an ES module graph; returns the entry module's namespace. */
  private async loadEsm(entryPath: string, timeoutMs: number): Promise<ivm.Reference<unknown>> {
    const byPath = new Map<string, ivm.Module>();
    const pathOf = new Map<ivm.Module, string>();
    const links = new Map<ivm.Module, Map<string, ivm.Module>>();
    const compile = async (path: string, source: string): Promise<ivm.Module> => {
      const existing = byPath.get(path);
      if (existing) return existing;
      let mod: ivm.Module;
      try {
        mod = await this.isolate.compileModule(withImportMeta(source, path), { filename: path });
      } catch (e) {
        throw new EsmLoadError({
          errorType: 'Runtime.UserCodeSyntaxError',
          errorMessage: e instanceof Error ? e.message : String(e),
          trace: [],
        });
      }
      byPath.set(path, mod);
      pathOf.set(mod, path);
      const deps = new Map<string, ivm.Module>();
      links.set(mod, deps);
      for (const spec of mod.dependencySpecifiers) {
        deps.set(spec, await this.loadDependency(path, spec, compile));
      }
      return mod;
    };
    const source = this.hooks.readText(entryPath);
    if (source === undefined) throw new EsmLoadError(importError(entryPath));
    const root = await compile(entryPath, source);
    await root.instantiate(this.context, (spec, referrer) => {
      const target = links.get(referrer)?.get(spec);
      if (!target) throw new Error(`Cannot find module '${spec}' imported from ${pathOf.get(referrer)}`);
      return target;
    });
    try {
      await root.evaluate({ timeout: Math.max(1, Math.ceil(timeoutMs)) });
    } catch (e) {
      if (this.isolate.isDisposed || /timed out|memory limit/i.test(String(e))) throw e;
      const err = e instanceof Error ? e : new Error(String(e));
      throw new EsmLoadError({ errorType: err.name || 'Error', errorMessage: err.message, trace: [] });
    }
    return root.namespace;
  }

  private async loadDependency(
    fromPath: string,
    spec: string,
    compile: (path: string, source: string) => Promise<ivm.Module>,
  ): Promise<ivm.Module> {
    const r = this.hooks.resolve(fromPath, spec, 'import');
    if (r.kind === 'missing') throw new EsmLoadError(importError(spec, fromPath));
    if (r.kind === 'file' && r.format === 'esm') {
      return compile(r.path, this.hooks.readText(r.path) ?? '');
    }
    // CommonJS, JSON and built-ins: a generated module re-exports what require() returns.
    const json = JSON.stringify(r);
    const namesText = (await this.entry.exportNames.apply(undefined, [json, fromPath]).catch((e: unknown) => {
      throw new EsmLoadError({
        errorType: r.kind === 'unavailable' ? 'Runtime.ImportModuleError' : 'Error',
        errorMessage: e instanceof Error ? e.message : String(e),
        trace: [],
      });
    })) as string;
    const names = (JSON.parse(namesText) as string[]).filter((n) => n !== 'default');
    const lines = [
      `const m = globalThis.__isletRequire(${JSON.stringify(json)}, ${JSON.stringify(fromPath)});`,
      'export default m;',
    ];
    for (const [i, n] of names.entries()) {
      lines.push(`const e${i} = m[${JSON.stringify(n)}]; export { e${i} as ${JSON.stringify(n)} };`);
    }
    const key = r.kind === 'file' ? r.path : `node:${r.name}`;
    return compile(`${key}?islet-cjs`, lines.join('\n'));
  }
}

/**
 * isolated-vm cannot initialise `import.meta` for modules compiled from the host, so the common
 * properties are substituted in the source: import.meta.url / .filename / .dirname. Occurrences
 * inside a string or comment on the same line are left alone (a quote-count heuristic).
 */
export function withImportMeta(source: string, path: string): string {
  if (!source.includes('import.meta')) return source;
  const url = `file://${path.split('/').map(encodeURIComponent).join('/')}`;
  const values: Record<string, string> = {
    url,
    filename: path,
    dirname: path.slice(0, path.lastIndexOf('/')) || '/',
  };
  return source.replace(
    /\bimport\.meta(?:\.(url|filename|dirname)\b)?/g,
    (match, prop: string | undefined, offset: number) => {
      const lineStart = source.lastIndexOf('\n', offset) + 1;
      const before = source.slice(lineStart, offset);
      const quotes = (before.match(/(?<!\\)['"`]/g) ?? []).length;
      if (quotes % 2 === 1 || before.includes('//')) return match;
      if (prop) return JSON.stringify(values[prop]);
      return `({ url: ${JSON.stringify(url)}, filename: ${JSON.stringify(values.filename)}, dirname: ${JSON.stringify(values.dirname)} })`;
    },
  );
}

class EsmLoadError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.errorMessage);
  }
}

function importError(spec: string, from?: string): ErrorPayload {
  return {
    errorType: 'Runtime.ImportModuleError',
    errorMessage: `Error: Cannot find module '${spec}'${from ? ` imported from ${from}` : ''}`,
    trace: [],
  };
}

function compileCached(isolate: ivm.Isolate, source: string, filename: string): ivm.Script {
  const key = createHash('sha1').update(filename).update('\0').update(source).digest('base64');
  const cachedData = codeCache.get(key);
  const script = isolate.compileScriptSync(
    source,
    cachedData ? { filename, cachedData } : { filename, produceCachedData: true },
  ) as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean };
  if (script.cachedData && !cachedData) codeCache.set(key, script.cachedData);
  if (cachedData && script.cachedDataRejected) codeCache.delete(key);
  return script;
}
