import { Buffer as NodeBuffer } from 'node:buffer';
import * as nodeUtil from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
});
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

/** Deploys `files` and invokes once; fails the test with the log if the function errored. */
async function run(name: string, files: Record<string, string>, event: unknown = {}, handler?: string) {
  const client = server.lambda();
  await deploy(client, name, files, handler ? { Handler: handler } : {});
  const r = await invoke(client, name, event);
  if (r.functionError) throw new Error(`${name} failed: ${JSON.stringify(r.payload)}\n${r.log}`);
  expect(r.status).toBe(200);
  return r.payload;
}

const pkg = (o: unknown) => JSON.stringify(o);

describe('handler location', () => {
  it('finds dir/file.export (src/app.main) and runs it with __filename/__dirname under /var/task', async () => {
    const out = await run(
      'loc-dir-handler',
      {
        'src/app.js':
          'exports.main = async (e) => ({ got: e.x, file: __filename, dir: __dirname, modFile: module.filename, cwd: process.cwd() });',
        'index.js': "exports.main = async () => 'wrong file';",
      },
      { x: 42 },
      'src/app.main',
    );
    expect(out).toEqual({
      got: 42,
      file: '/var/task/src/app.js',
      dir: '/var/task/src',
      modFile: '/var/task/src/app.js',
      cwd: '/var/task',
    });
  });
});

describe('CommonJS require', () => {
  it('loads the zip own files: relative, with/without .js, directory index.js, .json', async () => {
    const out = await run('cjs-own-files', {
      'index.js': `
        const a = require('./lib/util');
        const b = require('./lib/util.js');
        const dir = require('./lib');
        const data = require('./data.json');
        const deep = require('./lib/deep/thing');
        exports.handler = async () => ({
          util: a.name, same: a === b, dir: dir.name, data, deep: deep.name,
          utilFile: a.file,
          resolved: require.resolve('./lib/util'),
        });`,
      'lib/util.js': "exports.name = 'util'; exports.file = __filename;",
      'lib/index.js': "exports.name = 'lib-index';",
      'lib/deep/thing.js': "exports.name = require('../util').name + '-deep';",
      'data.json': pkg({ k: [1, 2], s: 'v' }),
    });
    expect(out).toEqual({
      util: 'util',
      same: true,
      dir: 'lib-index',
      data: { k: [1, 2], s: 'v' },
      deep: 'util-deep',
      utilFile: '/var/task/lib/util.js',
      resolved: '/var/task/lib/util.js',
    });
  });

  it('loads packages from node_modules: main, exports string/conditional, index.js, scoped, nested', async () => {
    const out = await run('cjs-node-modules', {
      'index.js': `
        exports.handler = async () => ({
          main: require('pkg-main').name,
          exportsString: require('pkg-exports-string').name,
          exportsCond: require('pkg-exports-cond').name,
          indexFallback: require('pkg-index').name,
          scoped: require('@scope/pkg').name,
          outer: require('outer'),
          inner: require('inner').version,
        });`,
      'node_modules/pkg-main/package.json': pkg({ name: 'pkg-main', main: 'lib/entry' }),
      'node_modules/pkg-main/lib/entry.js': "exports.name = 'pkg-main/lib/entry';",
      'node_modules/pkg-main/index.js': "exports.name = 'WRONG: index.js instead of main';",
      'node_modules/pkg-exports-string/package.json': pkg({
        name: 'pkg-exports-string',
        main: 'index.js',
        exports: './dist/x.js',
      }),
      'node_modules/pkg-exports-string/dist/x.js': "exports.name = 'pkg-exports-string/dist/x';",
      'node_modules/pkg-exports-string/index.js': "exports.name = 'WRONG: main instead of exports';",
      'node_modules/pkg-exports-cond/package.json': pkg({
        name: 'pkg-exports-cond',
        exports: { '.': { import: './esm.mjs', require: './cjs.js' } },
      }),
      'node_modules/pkg-exports-cond/cjs.js': "exports.name = 'pkg-exports-cond/cjs';",
      'node_modules/pkg-exports-cond/esm.mjs': "export const name = 'WRONG: import condition';",
      'node_modules/pkg-index/index.js': "exports.name = 'pkg-index/index';",
      'node_modules/@scope/pkg/package.json': pkg({ name: '@scope/pkg', main: './main.js' }),
      'node_modules/@scope/pkg/main.js': "exports.name = '@scope/pkg/main';",
      'node_modules/outer/index.js': "module.exports = { innerSeenByOuter: require('inner').version };",
      'node_modules/outer/node_modules/inner/index.js': "exports.version = 'inner@2 (nested)';",
      'node_modules/inner/index.js': "exports.version = 'inner@1 (top)';",
    });
    expect(out).toEqual({
      main: 'pkg-main/lib/entry',
      exportsString: 'pkg-exports-string/dist/x',
      exportsCond: 'pkg-exports-cond/cjs',
      indexFallback: 'pkg-index/index',
      scoped: '@scope/pkg/main',
      outer: { innerSeenByOuter: 'inner@2 (nested)' },
      inner: 'inner@1 (top)',
    });
  });

  it('caches modules (one evaluation, same object) and gives a cycle the partial exports, like Node', async () => {
    const client = server.lambda();
    await deploy(client, 'cjs-cache-cycle', {
      'index.js': `
        const c1 = require('./counter');
        const c2 = require('./counter.js');
        const a = require('./a');
        exports.handler = async () => {
          const c3 = require('./counter');
          c3.hits++;
          return {
            sameObject: c1 === c2 && c2 === c3,
            evaluations: globalThis.counterEvaluations,
            hits: c1.hits,
            a: { early: a.early, late: a.late, bSawA: a.bSawA, bDoneBeforeA: a.bDone },
            bFromCache: require('./b').sawAKeys,
          };
        };`,
      'counter.js':
        'globalThis.counterEvaluations = (globalThis.counterEvaluations || 0) + 1; module.exports = { hits: 0 };',
      'a.js': `
        exports.early = 'a-early';
        const b = require('./b');
        exports.bSawA = b.sawAKeys;
        exports.bDone = b.done;
        exports.late = 'a-late';`,
      'b.js': `
        const a = require('./a');
        exports.sawAKeys = Object.keys(a);
        exports.done = true;`,
    });
    const first = await invoke(client, 'cjs-cache-cycle');
    expect(first.functionError).toBeUndefined();
    expect(first.payload).toEqual({
      sameObject: true,
      evaluations: 1,
      hits: 1,
      a: { early: 'a-early', late: 'a-late', bSawA: ['early'], bDoneBeforeA: true },
      bFromCache: ['early'],
    });
    // Module state survives to the next (warm) invocation: no re-evaluation.
    const second = await invoke(client, 'cjs-cache-cycle');
    expect(second.payload).toMatchObject({ sameObject: true, evaluations: 1, hits: 2 });
  });
});

describe('ES module handlers', () => {
  const cjsPkg = {
    'node_modules/cjs-lib/package.json': pkg({ name: 'cjs-lib', main: 'lib.js' }),
    'node_modules/cjs-lib/lib.js': "exports.greet = (n) => 'hello ' + n; exports.version = '1.2.3';",
  };
  const esmBody = `
    import { helper, value } from './helper.mjs';
    import cjs, { greet, version } from 'cjs-lib';
    import { Buffer } from 'node:buffer';
    import path from 'path';
    export const handler = async (event) => ({
      helper: helper(event.n), value,
      defaultGreet: cjs.greet('default'), namedGreet: greet('named'), version,
      b64: Buffer.from('hi').toString('base64'),
      joined: path.join('/a', 'b', '../c'),
    });`;

  it('index.mjs with export const handler, importing ESM, a CommonJS package and built-ins', async () => {
    const out = await run(
      'esm-mjs',
      {
        'index.mjs': esmBody,
        'helper.mjs': 'export const helper = (n) => n * 2; export const value = "from-helper";',
        ...cjsPkg,
      },
      { n: 21 },
    );
    expect(out).toEqual({
      helper: 42,
      value: 'from-helper',
      defaultGreet: 'hello default',
      namedGreet: 'hello named',
      version: '1.2.3',
      b64: 'aGk=',
      joined: '/a/c',
    });
  });

  it('.js handler with package.json "type": "module"', async () => {
    const out = await run(
      'esm-type-module',
      {
        'package.json': pkg({ name: 'app', type: 'module' }),
        'index.js': esmBody.replace('./helper.mjs', './helper.js'),
        'helper.js': 'export const helper = (n) => n + 1; export const value = "esm-js";',
        ...cjsPkg,
      },
      { n: 1 },
    );
    expect(out).toEqual({
      helper: 2,
      value: 'esm-js',
      defaultGreet: 'hello default',
      namedGreet: 'hello named',
      version: '1.2.3',
      b64: 'aGk=',
      joined: '/a/c',
    });
  });

  it('import.meta.url is the file: URL of the module under /var/task', async () => {
    const out = await run('esm-import-meta', {
      'index.mjs':
        "import { sub } from './lib/sub.mjs'; export const handler = async () => ({ main: import.meta.url, sub });",
      'lib/sub.mjs': 'export const sub = import.meta.url;',
    });
    expect(out).toEqual({ main: 'file:///var/task/index.mjs', sub: 'file:///var/task/lib/sub.mjs' });
  });
});

describe('Node built-ins from the bundled ports', () => {
  it('buffer, events, util, path, url, querystring, string_decoder, assert, node: prefixes', async () => {
    const out = await run('builtins', {
      'index.js': `
        const { Buffer: B } = require('buffer');
        const EventEmitter = require('events');
        const util = require('util');
        const path = require('path');
        const url = require('url');
        const qs = require('querystring');
        const { StringDecoder } = require('string_decoder');
        const assert = require('assert');
        exports.handler = async () => {
          const em = new EventEmitter();
          const seen = [];
          em.on('ping', (a, b) => seen.push(a + b));
          em.once('ping', (a) => seen.push('once:' + a));
          const emitted = em.emit('ping', 1, 2);
          em.emit('ping', 3, 4);
          const p = util.promisify((x, cb) => setTimeout(() => cb(null, x * 2), 1));
          const promisified = await p(21);
          const legacy = url.parse('http://user:pw@host.example:8080/p/a/t/h?query=string&x=1#hash', true);
          const dec = new StringDecoder('utf8');
          const euro = Buffer.from('€');
          const decoded = [dec.write(euro.subarray(0, 2)), dec.write(euro.subarray(2)), dec.end()];
          let assertion;
          try {
            assert.deepStrictEqual({ a: [1, 2] }, { a: [1, '2'] });
          } catch (e) {
            assertion = { isAssertionError: e instanceof assert.AssertionError, name: e.name, code: e.code, isError: e instanceof Error };
          }
          const u = new URL('../c/d?e=1#f', 'https://ex.com/a/b/');
          return {
            globalIsModule: Buffer === B,
            b64: Buffer.from('héllo').toString('base64'),
            hex: B.from([1, 255]).toString('hex'),
            concat: Buffer.concat([Buffer.from('a'), Buffer.from('b')]).toString(),
            utf8Len: Buffer.byteLength('héllo'),
            emitted, seen,
            format: util.format('%s=%d', 'a', 1),
            inspect: util.inspect({ a: [1] }),
            promisified,
            join: path.join('/a', 'b', '../c', 'd.txt'),
            resolveAbs: path.resolve('/x', 'y', '..', 'z'),
            basename: path.basename('/a/b/file.txt', '.txt'),
            extname: path.extname('x.tar.gz'),
            legacy: { protocol: legacy.protocol, auth: legacy.auth, host: legacy.host, port: legacy.port,
              hostname: legacy.hostname, pathname: legacy.pathname, search: legacy.search, hash: legacy.hash,
              query: { ...legacy.query } },
            urlHref: u.href, urlSearch: u.searchParams.get('e'), formatted: url.format({ protocol: 'https', host: 'a.b', pathname: '/x' }),
            qsParse: { ...qs.parse('a=1&b=x%20y&a=2') },
            qsStringify: qs.stringify({ k: 'v w', n: [1, 2] }),
            decoded,
            assertion,
            prefixes: {
              events: require('node:events') === EventEmitter,
              util: require('node:util') === util,
              path: require('node:path') === path,
              buffer: require('node:buffer').Buffer === Buffer,
              assert: require('node:assert') === assert,
            },
          };
        };`,
    });
    expect(out).toEqual({
      globalIsModule: true,
      b64: NodeBuffer.from('héllo').toString('base64'),
      hex: '01ff',
      concat: 'ab',
      utf8Len: 6,
      emitted: true,
      seen: [3, 'once:1', 7],
      format: 'a=1',
      inspect: nodeUtil.inspect({ a: [1] }),
      promisified: 42,
      join: '/a/c/d.txt',
      resolveAbs: '/x/z',
      basename: 'file',
      extname: '.gz',
      legacy: {
        protocol: 'http:',
        auth: 'user:pw',
        host: 'host.example:8080',
        port: '8080',
        hostname: 'host.example',
        pathname: '/p/a/t/h',
        search: '?query=string&x=1',
        hash: '#hash',
        query: { query: 'string', x: '1' },
      },
      urlHref: 'https://ex.com/a/c/d?e=1#f',
      urlSearch: '1',
      formatted: 'https://a.b/x',
      qsParse: { a: ['1', '2'], b: 'x y' },
      qsStringify: 'k=v%20w&n=1&n=2',
      decoded: ['', '€', ''],
      assertion: { isAssertionError: true, name: 'AssertionError', code: 'ERR_ASSERTION', isError: true },
      prefixes: { events: true, util: true, path: true, buffer: true, assert: true },
    });
    expect(nodeUtil.format('%s=%d', 'a', 1)).toBe('a=1');
  });

  it("require('url') exports URL and URLSearchParams (the globals), as Node's does", async () => {
    const out = await run('builtins-url-whatwg', {
      'index.js': `
        const url = require('url');
        const { URL: U, URLSearchParams: P } = require('node:url');
        exports.handler = async () => ({
          sameURL: url.URL === URL, sameParams: url.URLSearchParams === URLSearchParams,
          href: new U('/x?y=1', 'http://h').href, q: new P('a=1').get('a'),
        });`,
    });
    expect(out).toEqual({ sameURL: true, sameParams: true, href: 'http://h/x?y=1', q: '1' });
  });

  it('path.resolve of a relative path is relative to /var/task', async () => {
    const out = await run('builtins-cwd', {
      'index.js': "const path = require('path'); exports.handler = async () => path.resolve('rel', 'x.js');",
    });
    expect(out).toBe('/var/task/rel/x.js');
  });
});

describe('web globals', () => {
  it('timers, queueMicrotask, TextEncoder/Decoder, URL, atob/btoa, structuredClone, crypto', async () => {
    const text = 'héllo 🌍';
    const out = await run(
      'web-globals',
      {
        'index.js': `
        exports.handler = async (event) => {
          const order = [];
          await new Promise((resolve) => {
            setTimeout(() => { order.push('timeout'); resolve(); }, 5);
            queueMicrotask(() => order.push('microtask'));
            order.push('sync');
          });
          const ticks = await new Promise((resolve) => {
            let n = 0;
            const h = setInterval(() => { n++; if (n === 3) { clearInterval(h); setTimeout(() => resolve(n), 30); } }, 2);
          });
          const bytes = new TextEncoder().encode(event.text);
          const roundTrip = new TextDecoder().decode(bytes);
          const u = new URL('https://user@ex.com:8443/p/q?x=1&y=2#frag');
          const sp = new URLSearchParams('a=1&b=2&a=3');
          sp.append('c', 'x y');
          const m = new Map([['k', { d: new Date(0) }]]);
          const cyc = { name: 'root', m };
          cyc.self = cyc;
          const clone = structuredClone(cyc);
          const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
          const rnd = crypto.getRandomValues(new Uint8Array(32));
          const rnd2 = crypto.getRandomValues(new Uint32Array(4));
          return {
            order, ticks,
            byteLength: bytes.length, bytes: Array.from(bytes), roundTrip,
            url: { host: u.host, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash, x: u.searchParams.get('x'), username: u.username },
            sp: { all: sp.getAll('a'), str: sp.toString() },
            btoa: btoa('hello'), atob: atob('aGVsbG8='),
            clone: {
              notSame: clone !== cyc, selfCycle: clone.self === clone, isMap: clone.m instanceof Map,
              mapNotSame: clone.m !== m,
              dateIsDate: clone.m.get('k').d instanceof Date, dateTime: clone.m.get('k').d.getTime(),
            },
            ids, distinct: new Set(ids).size,
            rndLen: rnd.length, rndNonZero: rnd.some((b) => b !== 0), rndSameArray: rnd instanceof Uint8Array,
            rnd2NonZero: rnd2.some((b) => b !== 0),
          };
        };`,
      },
      { text },
    );
    const encoded = Array.from(new TextEncoder().encode(text));
    expect(out).toMatchObject({
      order: ['sync', 'microtask', 'timeout'],
      ticks: 3,
      byteLength: encoded.length,
      bytes: encoded,
      roundTrip: text,
      url: {
        host: 'ex.com:8443',
        port: '8443',
        pathname: '/p/q',
        search: '?x=1&y=2',
        hash: '#frag',
        x: '1',
        username: 'user',
      },
      sp: { all: ['1', '3'], str: 'a=1&b=2&a=3&c=x+y' },
      btoa: 'aGVsbG8=',
      atob: 'hello',
      clone: { notSame: true, selfCycle: true, isMap: true, mapNotSame: true, dateIsDate: true, dateTime: 0 },
      distinct: 3,
      rndLen: 32,
      rndNonZero: true,
      rndSameArray: true,
      rnd2NonZero: true,
    });
    for (const id of out.ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('unavailable and missing modules', () => {
  it('child_process, net, worker_threads, dgram throw a catchable "not available in islet" error', async () => {
    const out = await run('unavailable', {
      'index.js': `
        const tryRequire = (id) => { try { require(id); return 'loaded'; } catch (e) { return { message: e.message, isError: e instanceof Error }; } };
        exports.handler = async () => ({
          dgram: tryRequire('dgram'),
          cp: tryRequire('child_process'),
          net: tryRequire('net'),
          wt: tryRequire('worker_threads'),
          nodeNet: tryRequire('node:net'),
          missing: (() => { try { require('nope'); return 'loaded'; } catch (e) { return { code: e.code, message: e.message }; } })(),
          missingRel: (() => { try { require('./nope'); return 'loaded'; } catch (e) { return { code: e.code, message: e.message }; } })(),
        });`,
    });
    const na = (m: string) => ({ message: `module '${m}' is not available in islet`, isError: true });
    expect(out).toMatchObject({
      dgram: na('dgram'),
      cp: na('child_process'),
      net: na('net'),
      wt: na('worker_threads'),
      nodeNet: na('net'),
      missing: { code: 'MODULE_NOT_FOUND' },
      missingRel: { code: 'MODULE_NOT_FOUND' },
    });
    expect(out.missing.message.startsWith("Cannot find module 'nope'")).toBe(true);
    expect(out.missingRel.message.startsWith("Cannot find module './nope'")).toBe(true);
  });
});

describe('init failures', () => {
  async function deployAndFail(name: string, files: Record<string, string>, handler = 'index.handler') {
    const client = server.lambda();
    await deploy(client, name, files, { Handler: handler });
    const r = await invoke(client, name, {});
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    return r;
  }

  it('a handler file that does not exist -> Runtime.ImportModuleError', async () => {
    const r = await deployAndFail(
      'init-no-file',
      { 'index.js': 'exports.handler = async () => 1;' },
      'missing.handler',
    );
    expect(r.payload.errorType).toBe('Runtime.ImportModuleError');
    expect(r.payload.errorMessage).toContain("Cannot find module 'missing'");
  });

  it('a handler export that does not exist -> Runtime.HandlerNotFound', async () => {
    const r = await deployAndFail(
      'init-no-export',
      { 'index.js': 'exports.handler = async () => 1;' },
      'index.nope',
    );
    expect(r.payload.errorType).toBe('Runtime.HandlerNotFound');
    expect(r.payload.errorMessage).toBe('index.nope is undefined or not exported');
  });

  it('a syntax error in the handler file -> Runtime.UserCodeSyntaxError', async () => {
    const r = await deployAndFail('init-syntax', {
      'index.js': 'exports.handler = async () => { return 1;;; ',
    });
    expect(r.payload.errorType).toBe('Runtime.UserCodeSyntaxError');
  });

  it('a syntax error in an ES module handler -> Runtime.UserCodeSyntaxError', async () => {
    const r = await deployAndFail('init-syntax-esm', {
      'index.mjs': 'export const handler = async () => {;',
    });
    expect(r.payload.errorType).toBe('Runtime.UserCodeSyntaxError');
  });

  it('an error thrown at module top level is the function error; the next invoke runs init again', async () => {
    const files = {
      'index.js': `
        console.log('init attempt');
        class ConfigError extends Error { constructor(m) { super(m); this.name = 'ConfigError'; } }
        throw new ConfigError('missing setting');
        exports.handler = async () => 'unreachable';`,
    };
    const first = await deployAndFail('init-throws', files);
    expect(first.payload.errorType).toBe('ConfigError');
    expect(first.payload.errorMessage).toBe('missing setting');
    expect(first.log).toContain('\tINFO\tinit attempt');
    expect(first.log).toMatch(/\tInit Duration: /);

    const second = await invoke(server.lambda(), 'init-throws', {});
    expect(second.functionError).toBe('Unhandled');
    expect(second.payload.errorType).toBe('ConfigError');
    // Init ran again: its console output and a fresh Init Duration are in the second invoke's log.
    expect(second.log).toContain('\tINFO\tinit attempt');
    expect(second.log).toMatch(/\tInit Duration: /);
  });

  it('a TypeError thrown at the top of an ES module keeps its errorType', async () => {
    const r = await deployAndFail('init-throws-esm', {
      'index.mjs': "throw new TypeError('esm init'); export const handler = async () => 1;",
    });
    expect(r.payload.errorType).toBe('TypeError');
    expect(r.payload.errorMessage).toBe('esm init');
  });
});
