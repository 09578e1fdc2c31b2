import { GetFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from '../helpers/functions';
import { startServer, type TestServer } from '../helpers/server';

/**
 * Attempts to reach the host from inside a function, and to disturb the server or other functions
 * through shared state. Every probe runs inside the sandbox and reports what it found; the test
 * asserts the exact report.
 */

let server: TestServer;

// `this` at module level is module.exports (as in Node's CommonJS wrapper).
const probes = `
const moduleThis = this;
const outcome = (fn) => {
  try {
    const value = fn();
    return { value: value === undefined ? 'undefined' : value };
  } catch (e) {
    return { threw: String(e && e.name) + ': ' + String(e && e.message) };
  }
};

// An object or function created by another realm (the host) has a prototype chain that does not
// end at this realm's Object.prototype.
const foreign = (v) => {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  let p = v;
  for (let i = 0; i < 100; i++) {
    const next = Object.getPrototypeOf(p);
    if (next === null) break;
    p = next;
  }
  return p !== v && p !== Object.prototype;
};
const isletHandles = ['derefInto', 'applySync', 'applySyncPromise', 'copySync', 'getSync', 'setSync', 'evalSync', 'runSync', 'compileScriptSync', 'createContextSync'];
const hostLike = (v) => {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return undefined;
  if (foreign(v)) return 'foreign object';
  for (const k of isletHandles) {
    try { if (typeof v[k] === 'function') return 'isolated-vm handle (' + k + ')'; } catch {}
  }
  try {
    if (typeof v.binding === 'function') { v.binding('fs'); return 'working binding()'; }
  } catch {}
  try {
    if (typeof v.require === 'function') { v.require('child_process'); return 'working require()'; }
  } catch {}
  try {
    if (typeof v === 'function' && v.name === 'require') { v('child_process'); return 'a working require'; }
  } catch {}
  try {
    if (typeof v.dlopen === 'function') return 'dlopen';
  } catch {}
  return undefined;
};

function stackProbe() {
  const frames = [];
  const escapes = [];
  const record = (callsites, where) => {
    for (const c of callsites) {
      const file = c.getFileName();
      const entry = { where, file, self: undefined, callee: undefined };
      try { entry.self = c.getThis(); } catch {}
      try { entry.callee = c.getFunction(); } catch {}
      frames.push(entry);
      for (const [what, v] of [['this', entry.self], ['function', entry.callee]]) {
        const found = hostLike(v);
        if (found) escapes.push(where + ' ' + file + ' ' + what + ': ' + found);
        if (v && (typeof v === 'object' || typeof v === 'function')) {
          for (const key of Reflect.ownKeys(v)) {
            let inner;
            try { inner = v[key]; } catch { continue; }
            const f = hostLike(inner);
            if (f) escapes.push(where + ' ' + file + ' ' + what + '.' + String(key) + ': ' + f);
          }
        }
      }
    }
  };
  const capture = (where) => {
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (_e, callsites) => callsites;
    const callsites = new Error(where).stack;
    Error.prepareStackTrace = previous;
    record(callsites, where);
  };
  return { frames, escapes, capture, record };
}

exports.handler = async (event) => {
  switch (event.probe) {
    case 'process': {
      const p = moduleThis.constructor.constructor('return process')();
      return {
        same: p === process,
        pid: p.pid,
        bindingFs: outcome(() => p.binding('fs')),
        bindingNatives: outcome(() => p.binding('natives')),
        mainModule: typeof p.mainModule,
        dlopen: typeof p.dlopen,
        linkedBinding: typeof p._linkedBinding,
        reallyExit: typeof p.reallyExit,
        kill: typeof p.kill,
        rawDebug: typeof p._rawDebug,
        getBuiltinModule: typeof p.getBuiltinModule,
        hostLike: hostLike(p) ?? 'none',
      };
    }
    case 'require': {
      const names = ['module', 'node:module', 'http', 'child_process', 'vm', 'worker_threads', 'v8', 'inspector', 'net', 'dns'];
      const out = { globalRequire: typeof globalThis.require, moduleLoad: typeof (module.constructor && module.constructor._load) };
      for (const n of names) out[n] = outcome(() => typeof require(n));
      // fs and os are islet's own: fs reaches /tmp and the function's code only.
      out.fsHost = outcome(() => require('fs').readFileSync('/etc/passwd', 'utf8'));
      out.fsProc = outcome(() => require('fs').readdirSync('/proc/self'));
      out.osTmp = outcome(() => require('os').tmpdir());
      return out;
    }
    case 'islet-require': {
      // The one internal global the ES module glue needs: it must not reach outside the code.
      const r = globalThis.__isletRequire;
      const at = '/var/task/index.js';
      return {
        type: typeof r,
        json: outcome(() => r(JSON.stringify({ kind: 'file', path: '/etc/passwd', format: 'json' }), at)),
        cjs: outcome(() => r(JSON.stringify({ kind: 'file', path: '/var/task/../../etc/hostname', format: 'cjs' }), at)),
        builtin: outcome(() => r(JSON.stringify({ kind: 'builtin', name: 'child_process' }), at)),
      };
    }
    case 'stack': {
      const probe = stackProbe();
      probe.capture('handler');
      await new Promise((resolve) => setTimeout(() => { probe.capture('timer'); resolve(); }, 1));
      await new Promise((resolve) => setImmediate(() => { probe.capture('immediate'); resolve(); }));
      await Promise.resolve().then(() => probe.capture('promise'));
      process.nextTick(() => probe.capture('nextTick'));
      await null;
      require('./probe-module.js')(probe);
      console.log('%s', { toString() { probe.capture('console format'); return 'probed'; } });
      JSON.parse('{"a":1}', (k, v) => { if (k === 'a') probe.capture('reviver'); return v; });
      [3, 1, 2].sort((a, b) => { probe.capture('sort'); return a - b; });
      // Errors the shims create: their call sites are handed to a user prepareStackTrace.
      const previous = Error.prepareStackTrace;
      Error.prepareStackTrace = (_e, callsites) => { probe.record(callsites, 'shim error'); return 'probed'; };
      for (const f of [() => require('no-such-module'), () => require('fs'), () => setTimeout('not a function'), () => queueMicrotask(1), () => process.chdir('/'), () => new URL('not a url'), () => Buffer.from({})]) {
        try { f(); } catch (e) { String(e.stack); }
      }
      Error.prepareStackTrace = previous;
      const shimFrames = probe.frames.filter((f) => typeof f.file === 'string' && (f.file.startsWith('islet:') || f.file.startsWith('node:')));
      return {
        frames: probe.frames.length,
        shimFrames: shimFrames.length,
        contexts: [...new Set(probe.frames.map((f) => f.where))].sort(),
        escapes: probe.escapes,
      };
    }
    case 'globals': {
      const names = Object.getOwnPropertyNames(globalThis);
      const suspicious = names.filter((n) => /ivm|isolated|_host|host_|native|binding|__islet(?!Require$)/i.test(n));
      // Walk everything reachable from globalThis (own properties, getters, prototypes).
      const found = [];
      const seen = new Set();
      const queue = [[globalThis, 'globalThis', 0]];
      while (queue.length > 0 && seen.size < 40000) {
        const [v, path, depth] = queue.shift();
        if (v === null || (typeof v !== 'object' && typeof v !== 'function') || seen.has(v)) continue;
        seen.add(v);
        const h = hostLike(v);
        if (h) found.push(path + ': ' + h);
        if (depth >= 5) continue;
        for (const key of Reflect.ownKeys(v)) {
          const d = Object.getOwnPropertyDescriptor(v, key);
          if (!d) continue;
          const p = path + '.' + String(key);
          if ('value' in d) queue.push([d.value, p, depth + 1]);
          else {
            if (d.get) queue.push([d.get, p + '<get>', depth + 1]);
            if (d.set) queue.push([d.set, p + '<set>', depth + 1]);
            try { queue.push([Reflect.get(v, key), p, depth + 1]); } catch {}
          }
        }
        queue.push([Object.getPrototypeOf(v), path + '.__proto__', depth + 1]);
      }
      return { names: names.sort(), suspicious, reached: seen.size, found };
    }
    case 'code': {
      const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11]);
      return {
        eval: eval('1 + 2'),
        indirectEval: (0, eval)('typeof process + " " + typeof require'),
        newFunction: new Function('a', 'b', 'return a * b')(6, 7),
        wasmType: typeof WebAssembly,
        wasmSync: new WebAssembly.Instance(new WebAssembly.Module(wasm)).exports.add(2, 3),
      };
    }
    case 'wasm-async': {
      const wasm = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11]);
      const { instance } = await WebAssembly.instantiate(wasm);
      const module = await WebAssembly.compile(wasm);
      return { instantiate: instance.exports.add(4, 5), compile: WebAssembly.Module.exports(module).map((e) => e.name) };
    }
    default:
      return { unknown: event.probe };
  }
};`;

const probeModule = `
module.exports = (probe) => probe.capture('required module');
probe_at_load: {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, callsites) => callsites;
  module.exports.atLoad = new Error('load').stack.length;
  Error.prepareStackTrace = previous;
}`;

const polluter = `
exports.handler = async () => {
  Object.prototype.polluted = 1;
  Array.prototype.map = null;
  Array.prototype.push = function () { throw new Error('push is polluted'); };
  JSON.parse = () => ({ hijacked: true });
  return { ok: true, sees: ({}).polluted, mapType: typeof [].map };
};`;

const observer = `
exports.handler = async () => ({
  polluted: 'polluted' in {},
  mapType: typeof [].map,
  mapped: [1, 2].map((x) => x * 2),
  pushed: (() => { const a = []; a.push(1); return a; })(),
  parsed: JSON.parse('{"a":1}'),
});`;

const badResults = `
exports.handler = async (event) => {
  switch (event.kind) {
    case 'toJSON': return { toJSON() { throw new RangeError('toJSON exploded'); } };
    case 'getter': return { get boom() { throw new TypeError('getter exploded'); } };
    case 'bigint': return { big: 10n };
    case 'circular': { const o = { name: 'loop' }; o.self = o; return o; }
    case 'huge': return 'x'.repeat(7 * 1024 * 1024);
    default: return { fine: true };
  }
};`;

const wellBehaved = `
let n = 0;
exports.handler = async (event) => { n++; return { n, echo: event }; };`;

// The globals V8 itself defines (ECMAScript, Intl, WebAssembly, SharedArrayBuffer/Atomics, ...).
const languageGlobals = new Set([
  'AggregateError',
  'Array',
  'ArrayBuffer',
  'AsyncDisposableStack',
  'Atomics',
  'BigInt',
  'BigInt64Array',
  'BigUint64Array',
  'Boolean',
  'DataView',
  'Date',
  'DisposableStack',
  'Error',
  'EvalError',
  'FinalizationRegistry',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'Function',
  'Infinity',
  'Int16Array',
  'Int32Array',
  'Int8Array',
  'Intl',
  'Iterator',
  'JSON',
  'Map',
  'Math',
  'NaN',
  'Number',
  'Object',
  'Promise',
  'Proxy',
  'RangeError',
  'ReferenceError',
  'Reflect',
  'RegExp',
  'Set',
  'SharedArrayBuffer',
  'String',
  'SuppressedError',
  'Symbol',
  'SyntaxError',
  'TypeError',
  'URIError',
  'Uint16Array',
  'Uint32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'WeakMap',
  'WeakRef',
  'WeakSet',
  'WebAssembly',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'eval',
  'globalThis',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
  'undefined',
  'unescape',
]);

// What islet adds (src/shims/globals.ts), plus the ES module glue's one internal global.
const isletGlobals = [
  'AbortController',
  'AbortSignal',
  'Blob',
  'Buffer',
  'DOMException',
  'File',
  'FormData',
  'Headers',
  'Request',
  'Response',
  'TextDecoder',
  'TextEncoder',
  'URL',
  'URLSearchParams',
  '__isletRequire',
  'atob',
  'btoa',
  'clearImmediate',
  'clearInterval',
  'clearTimeout',
  'console',
  'crypto',
  'fetch',
  'global',
  'performance',
  'process',
  'queueMicrotask',
  'setImmediate',
  'setInterval',
  'setTimeout',
  'structuredClone',
];

const probe = async (name: string) => {
  const r = await invoke(server.lambda(), 'probes', { probe: name });
  expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
  return r.payload;
};

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  const client = server.lambda();
  await deploy(client, 'probes', { 'index.js': probes, 'probe-module.js': probeModule });
  await deploy(client, 'wasm-async', { 'index.js': probes }, { Timeout: 1 });
  await deploy(client, 'polluter', { 'index.js': polluter });
  await deploy(client, 'observer', { 'index.js': observer });
  await deploy(client, 'bad-results', { 'index.js': badResults });
  await deploy(client, 'good', { 'index.js': wellBehaved });
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe('reaching the host from inside a function', () => {
  it("this.constructor.constructor('return process')() is islet's sandbox process, with no way out", async () => {
    expect(await probe('process')).toEqual({
      same: true,
      pid: 1,
      bindingFs: { threw: 'Error: No such module: fs' },
      bindingNatives: { threw: 'Error: No such module: natives' },
      mainModule: 'undefined',
      dlopen: 'undefined',
      linkedBinding: 'undefined',
      reallyExit: 'undefined',
      kill: 'undefined',
      rawDebug: 'undefined',
      getBuiltinModule: 'undefined',
      hostLike: 'none',
    });
  });

  it('there is no global require, and host modules are not available', async () => {
    const unavailable = (name: string) => ({ threw: `Error: module '${name}' is not available in islet` });
    expect(await probe('require')).toEqual({
      globalRequire: 'undefined',
      moduleLoad: 'undefined',
      module: unavailable('module'),
      'node:module': unavailable('module'),
      http: unavailable('http'),
      child_process: unavailable('child_process'),
      vm: unavailable('vm'),
      worker_threads: unavailable('worker_threads'),
      v8: unavailable('v8'),
      inspector: unavailable('inspector'),
      net: unavailable('net'),
      dns: unavailable('dns'),
      fsHost: { threw: "Error: EACCES: permission denied, open '/etc/passwd'" },
      fsProc: { threw: "Error: EACCES: permission denied, scandir '/proc/self'" },
      osTmp: { value: '/tmp' },
    });
  });

  it('the ES module glue global cannot read files outside the code or load host modules', async () => {
    const r = await probe('islet-require');
    expect(r.type).toBe('function');
    expect(r.json).toEqual({ threw: expect.any(String) });
    expect(r.json.threw).not.toContain('root:');
    expect(r.cjs).toEqual({ threw: "Error: Cannot find module '/var/task/../../etc/hostname'" });
    expect(r.builtin).toEqual({ threw: "Error: module 'child_process' is not available in islet" });
  });

  it('Error.prepareStackTrace call sites (getThis / getFunction on every frame) expose nothing of the host', async () => {
    const r = await probe('stack');
    expect(r.escapes).toEqual([]);
    // The probe really looked: frames from every context, islet's own frames among them.
    expect(r.contexts).toEqual([
      'console format',
      'handler',
      'immediate',
      'nextTick',
      'promise',
      'required module',
      'reviver',
      'shim error',
      'sort',
      'timer',
    ]);
    expect(r.frames).toBeGreaterThan(30);
    expect(r.shimFrames).toBeGreaterThan(5);
  });

  it('the global object holds only the language, islet’s documented globals and no host handle', async () => {
    const r = await probe('globals');
    const added = (r.names as string[]).filter((n) => !languageGlobals.has(n)).sort();
    expect(added).toEqual(isletGlobals);
    expect(r.suspicious).toEqual([]);
    expect(r.found).toEqual([]);
    expect(r.reached).toBeGreaterThan(1000);
  });

  it('eval, new Function and WebAssembly work inside the isolate', async () => {
    expect(await probe('code')).toEqual({
      eval: 3,
      indirectEval: 'object undefined',
      newFunction: 42,
      wasmType: 'object',
      wasmSync: 5,
    });
  });

  it('asynchronous WebAssembly compilation (WebAssembly.instantiate / compile) completes', async () => {
    const r = await invoke(server.lambda(), 'wasm-async', { probe: 'wasm-async' });
    expect(r.functionError, JSON.stringify(r.payload)).toBeUndefined();
    expect(r.payload).toEqual({ instantiate: 9, compile: ['add'] });
  });
});

describe('disturbing other functions and the server', () => {
  it('prototype pollution in one function is not visible in another, nor in the server’s answers', async () => {
    const client = server.lambda();
    const p = await invoke(client, 'polluter', {});
    expect(p.functionError).toBeUndefined();
    expect(p.payload).toEqual({ ok: true, sees: 1, mapType: 'object' });

    const o = await invoke(client, 'observer', {});
    expect(o.functionError).toBeUndefined();
    expect(o.payload).toEqual({
      polluted: false,
      mapType: 'function',
      mapped: [2, 4],
      pushed: [1],
      parsed: { a: 1 },
    });

    const fn = await client.send(new GetFunctionCommand({ FunctionName: 'observer' }));
    expect(fn.$metadata.httpStatusCode).toBe(200);
    expect(fn.Configuration?.FunctionName).toBe('observer');
    expect(fn.Configuration?.Handler).toBe('index.handler');
    expect(fn.Configuration).not.toHaveProperty('polluted');
    const list = await client.send(new ListFunctionsCommand({}));
    expect((list.Functions ?? []).map((f) => f.FunctionName).sort()).toEqual([
      'bad-results',
      'good',
      'observer',
      'polluter',
      'probes',
      'wasm-async',
    ]);
    const g = await invoke(client, 'good', { after: 'pollution' });
    expect(g.payload).toEqual({ n: 1, echo: { after: 'pollution' } });
  });

  it('a result whose toJSON throws is a function error, not a crash', async () => {
    const r = await invoke(server.lambda(), 'bad-results', { kind: 'toJSON' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('RangeError');
    expect(r.payload.errorMessage).toBe('toJSON exploded');
    expect(r.payload.trace[0]).toBe('RangeError: toJSON exploded');
  });

  it('a result with a throwing getter is a function error, not a crash', async () => {
    const r = await invoke(server.lambda(), 'bad-results', { kind: 'getter' });
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('TypeError');
    expect(r.payload.errorMessage).toBe('getter exploded');
    expect(r.payload.trace[0]).toBe('TypeError: getter exploded');
  });

  it('results JSON cannot represent (BigInt, circular) are function errors', async () => {
    const big = await invoke(server.lambda(), 'bad-results', { kind: 'bigint' });
    expect(big.functionError).toBe('Unhandled');
    expect(big.payload.errorType).toBe('TypeError');
    expect(big.payload.errorMessage).toBe('Do not know how to serialize a BigInt');
    const circular = await invoke(server.lambda(), 'bad-results', { kind: 'circular' });
    expect(circular.functionError).toBe('Unhandled');
    expect(circular.payload.errorType).toBe('TypeError');
    expect(circular.payload.errorMessage).toMatch(/^Converting circular structure to JSON/);
  });

  it('a 7 MB result is Function.ResponseSizeTooLarge', async () => {
    const r = await invoke(server.lambda(), 'bad-results', { kind: 'huge' });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload.errorType).toBe('Function.ResponseSizeTooLarge');
    expect(r.payload.errorMessage).toMatch(
      /^Response payload size \(\d+ bytes\) exceeded maximum allowed payload size \(\d+ bytes\)\.$|^Response payload size exceeded maximum allowed payload size \(\d+ bytes\)\.$/,
    );
  });

  it('the function and the server keep working after all of the above', async () => {
    const client = server.lambda();
    const fine = await invoke(client, 'bad-results', {});
    expect(fine.functionError).toBeUndefined();
    expect(fine.payload).toEqual({ fine: true });
    const g = await invoke(client, 'good', { i: 2 });
    expect(g.functionError).toBeUndefined();
    expect(g.payload).toEqual({ n: 2, echo: { i: 2 } });
    expect(server.output()).not.toContain('executor.crashed');
  });
});
