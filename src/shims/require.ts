import { portedBuiltins, sdkModules } from './builtin-names';
import type { HostFunctions, ModuleWrapper } from './host';

/** A resolution as runtime/module-resolver returns it (JSON-copied across the boundary). */
type Resolution =
  | { kind: 'builtin'; name: string }
  | { kind: 'unavailable'; name: string }
  | { kind: 'file'; path: string; format: 'cjs' | 'esm' | 'json' }
  | { kind: 'missing'; request: string };

interface CjsModule {
  id: string;
  filename: string;
  exports: unknown;
  loaded: boolean;
  children: CjsModule[];
  paths: string[];
  require: (id: string) => unknown;
}

const ported: ReadonlySet<string> = new Set([...portedBuiltins, ...Object.keys(sdkModules)]);

function codedError(message: string, code: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

/**
 * CommonJS `require` over the function's code. Resolution and compilation happen on the host
 * (which reads the code and caches compiled scripts); module instances live here, one cache per
 * execution environment, so module state survives between warm invocations.
 */
export class Loader {
  private readonly modules = new Map<string, CjsModule>();
  private readonly builtins = new Map<string, unknown>();

  constructor(
    private readonly host: HostFunctions,
    private readonly local: Record<string, () => unknown>,
  ) {}

  /** A `require` bound to the module at `fromPath`. */
  makeRequire(fromPath: string): NodeJS.Require {
    const req = ((id: string) => this.requireFrom(fromPath, id)) as NodeJS.Require;
    const resolve = ((id: string) => {
      const r = this.resolve(fromPath, id, 'require');
      return r.kind === 'file' ? r.path : id;
    }) as NodeJS.RequireResolve;
    resolve.paths = () => null;
    req.resolve = resolve;
    req.cache = Object.create(null);
    return req;
  }

  /** Loads `request` as `require` would from the module at `fromPath`. */
  requireFrom(fromPath: string, request: unknown): unknown {
    if (typeof request !== 'string' || request === '') {
      throw new TypeError('The "id" argument must be of type string and not empty');
    }
    return this.load(this.resolve(fromPath, request, 'require'), fromPath);
  }

  /** Loads a resolved module (used by the ES module glue for CommonJS, JSON and built-ins). */
  load(r: Resolution, fromPath: string): unknown {
    switch (r.kind) {
      case 'builtin':
        return this.requireBuiltin(r.name);
      case 'unavailable':
        throw codedError(`module '${r.name}' is not available in islet`, 'ERR_ISLET_MODULE_UNAVAILABLE');
      case 'missing':
        throw codedError(
          `Cannot find module '${r.request}'\nRequire stack:\n- ${fromPath}`,
          'MODULE_NOT_FOUND',
        );
      case 'file':
        return this.loadFile(r.path, r.format);
    }
  }

  /** A built-in module instance, created on first use. */
  requireBuiltin(name: string): unknown {
    if (this.builtins.has(name)) return this.builtins.get(name);
    let value: unknown;
    const make = this.local[name];
    if (make) {
      value = make();
    } else if (ported.has(name) || name.startsWith('islet:')) {
      const mod = { exports: {} as unknown };
      this.builtins.set(name, mod.exports); // cycles between ports see the partial exports, as in Node
      try {
        const wrapper = this.host.loadBuiltin(name);
        wrapper.call(
          mod.exports,
          mod.exports,
          (id: string) => this.requireBuiltin(normalise(id)),
          mod,
          name,
          '/',
        );
      } catch (e) {
        this.builtins.delete(name);
        throw e;
      }
      value = mod.exports;
    } else {
      throw codedError(`module '${name}' is not available in islet`, 'ERR_ISLET_MODULE_UNAVAILABLE');
    }
    this.builtins.set(name, value);
    return value;
  }

  /** Resolves a request on the host. */
  resolve(fromPath: string, request: string, conditions: 'require' | 'import'): Resolution {
    return JSON.parse(this.host.resolve(fromPath, request, conditions)) as Resolution;
  }

  private loadFile(path: string, format: 'cjs' | 'esm' | 'json'): unknown {
    const cached = this.modules.get(path);
    if (cached) return cached.exports;
    if (format === 'esm') {
      throw codedError(
        `require() of ES Module ${path} is not supported in islet; use import or a .cjs file`,
        'ERR_REQUIRE_ESM',
      );
    }
    const dirname = path.slice(0, path.lastIndexOf('/')) || '/';
    const mod: CjsModule = {
      id: path,
      filename: path,
      exports: {},
      loaded: false,
      children: [],
      paths: [],
      require: this.makeRequire(path),
    };
    this.modules.set(path, mod);
    try {
      if (format === 'json') {
        const text = this.host.readText(path) ?? '';
        try {
          mod.exports = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
        } catch (e) {
          throw new SyntaxError(`${path}: ${(e as Error).message}`);
        }
      } else {
        const wrapper: ModuleWrapper = this.host.compileCjs(path);
        wrapper.call(mod.exports, mod.exports, mod.require, mod, path, dirname);
      }
    } catch (e) {
      this.modules.delete(path);
      throw e;
    }
    mod.loaded = true;
    return mod.exports;
  }
}

function normalise(id: string): string {
  return id.startsWith('node:') ? id.slice(5) : id.replace(/\/$/, '');
}
