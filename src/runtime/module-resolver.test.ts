import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CodeTree,
  formatOf,
  type ModuleFormat,
  nodeBuiltinNames,
  type Resolution,
  resolveHandler,
  resolveModule,
} from './module-resolver';

/** An in-memory CodeTree; directories are inferred from the file paths. */
function memoryTree(files: Record<string, string>): CodeTree {
  const dirs = new Set<string>();
  for (const path of Object.keys(files)) {
    for (let dir = posix.dirname(path); dir !== '/'; dir = posix.dirname(dir)) dirs.add(dir);
  }
  return {
    kind: (path) => (Object.hasOwn(files, path) ? 'file' : dirs.has(path) ? 'dir' : undefined),
    readText: (path) => (Object.hasOwn(files, path) ? files[path] : undefined),
  };
}

const json = (value: unknown) => JSON.stringify(value);
const cjs = 'module.exports = {};';
const esm = 'export {};';

/** The built-ins islet provides in these tests (fs, child_process, ... are not among them). */
const PROVIDED = new Set(['assert', 'buffer', 'events', 'path', 'stream', 'url', 'util']);

const tree = memoryTree({
  // Outside the task root: must never be reachable.
  '/etc/passwd': 'root:x:0:0',
  '/var/x.js': cjs,
  '/var/task/package.json': json({
    name: 'app',
    imports: {
      '#lib': './lib/util.js',
      '#cond': { require: './lib/req.js', import: './lib/imp.mjs' },
      '#pat/*': './lib/*.js',
      '#dep': 'dep',
      '#events': 'events',
      '#esc': './../etc/passwd',
    },
  }),
  '/var/task/index.js': cjs,
  '/var/task/a': cjs,
  '/var/task/a.js': cjs,
  '/var/task/data.json': '{}',
  '/var/task/c.cjs': cjs,
  '/var/task/d.mjs': esm,
  '/var/task/notes.txt': 'x',
  '/var/task/space dir/x y.js': cjs,
  '/var/task/lib/util.js': cjs,
  '/var/task/lib/req.js': cjs,
  '/var/task/lib/imp.mjs': esm,
  '/var/task/lib/sub/deep.js': cjs,
  '/var/task/jsonidx/index.json': '{}',
  '/var/task/main-noext/package.json': json({ main: 'start' }),
  '/var/task/main-noext/start.js': cjs,
  '/var/task/main-dir/package.json': json({ main: './dist' }),
  '/var/task/main-dir/dist/index.js': cjs,
  '/var/task/main-gone/package.json': json({ main: 'gone.js' }),
  '/var/task/main-gone/index.js': cjs,
  '/var/task/main-out/package.json': json({ main: '../../../etc/passwd' }),
  '/var/task/both.js': cjs,
  '/var/task/both/index.js': cjs,
  '/var/task/broken/package.json': '{ not json',
  '/var/task/broken/index.js': cjs,
  '/var/task/esm/package.json': json({ type: 'module', imports: { '#own': './own.js' } }),
  '/var/task/esm/own.js': esm,
  '/var/task/esm/x.js': esm,
  '/var/task/esm/y.cjs': cjs,
  '/var/task/esm/sub/z.js': esm,
  '/var/task/esm/node_modules/untyped/index.js': cjs,
  '/var/task/src/app.js': cjs,
  '/var/task/src/deep/er/f.js': cjs,
  '/var/task/src/node_modules/shadow/index.js': cjs,
  '/var/task/src/node_modules/partial/package.json': '{}',
  '/var/task/node_modules/partial/only-top.js': cjs,
  '/var/task/node_modules/shadow/index.js': cjs,
  '/var/task/node_modules/dep/package.json': json({ name: 'dep' }),
  '/var/task/node_modules/dep/index.js': cjs,
  '/var/task/node_modules/dep/sub.js': cjs,
  '/var/task/node_modules/loose.js': cjs,
  '/var/task/node_modules/events/package.json': json({ name: 'events', main: 'events.js' }),
  '/var/task/node_modules/events/events.js': cjs,
  '/var/task/node_modules/test/index.js': cjs,
  '/var/task/node_modules/node_modules/ghost/index.js': cjs,
  '/var/task/node_modules/outer/index.js': cjs,
  '/var/task/node_modules/outer/node_modules/inner/index.js': cjs,
  '/var/task/node_modules/@sc/pkg/package.json': json({ main: 'main.js' }),
  '/var/task/node_modules/@sc/pkg/main.js': cjs,
  '/var/task/node_modules/@sc/pkg/other.js': cjs,
  '/var/task/node_modules/ex-str/package.json': json({ exports: './e.js' }),
  '/var/task/node_modules/ex-str/e.js': cjs,
  '/var/task/node_modules/ex-str/other.js': cjs,
  '/var/task/node_modules/ex-cond/package.json': json({
    exports: { types: './t.d.ts', import: './i.mjs', require: './r.cjs', default: './d.js' },
  }),
  '/var/task/node_modules/ex-cond/t.d.ts': '',
  '/var/task/node_modules/ex-cond/i.mjs': esm,
  '/var/task/node_modules/ex-cond/r.cjs': cjs,
  '/var/task/node_modules/ex-cond/d.js': cjs,
  '/var/task/node_modules/ex-obj/package.json': json({
    type: 'module',
    imports: { '#int': './internal.js' },
    exports: {
      '.': { node: { import: './n.js', require: './n.cjs' }, default: './d.js' },
      './feature': './f.js',
      './utils/*': './src/utils/*.js',
      './utils/private/*': null,
      './arr': ['not-relative', './f.js'],
      './missing': './not-there.js',
      './dir': './dir',
      './up': '../../x.js',
      './up2': './../../x.js',
      './nm': './node_modules/x.js',
      './uses-int': './uses-int.js',
    },
  }),
  '/var/task/node_modules/ex-obj/n.js': esm,
  '/var/task/node_modules/ex-obj/n.cjs': cjs,
  '/var/task/node_modules/ex-obj/d.js': esm,
  '/var/task/node_modules/ex-obj/f.js': esm,
  '/var/task/node_modules/ex-obj/hidden.js': esm,
  '/var/task/node_modules/ex-obj/internal.js': esm,
  '/var/task/node_modules/ex-obj/uses-int.js': esm,
  '/var/task/node_modules/ex-obj/dir/index.js': esm,
  '/var/task/node_modules/ex-obj/src/utils/a.js': esm,
  '/var/task/node_modules/ex-obj/src/utils/b/c.js': esm,
  '/var/task/node_modules/ex-obj/src/utils/private/p.js': esm,
  '/var/task/node_modules/ex-pat/package.json': json({
    exports: { './*': './lib/*.js', './a*': './alib/*.js', './x/*.js': './xs/*.js' },
  }),
  '/var/task/node_modules/ex-pat/lib/abc.js': cjs,
  '/var/task/node_modules/ex-pat/alib/bc.js': cjs,
  '/var/task/node_modules/ex-pat/xs/y.js': cjs,
  '/var/task/node_modules/ex-mixed/package.json': json({ exports: { '.': './a.js', require: './a.js' } }),
  '/var/task/node_modules/ex-mixed/a.js': cjs,
  '/var/task/node_modules/ex-empty/package.json': json({ exports: {} }),
  '/var/task/node_modules/ex-empty/index.js': cjs,
  '/var/task/node_modules/ex-null/package.json': json({ exports: null, main: 'm.js' }),
  '/var/task/node_modules/ex-null/m.js': cjs,
});

const ROOT = '/var/task/index.js';
const file = (path: string, format: ModuleFormat): Resolution => ({ kind: 'file', path, format });
const missing = (request: string): Resolution => ({ kind: 'missing', request });
const req = (request: string, from = ROOT) =>
  resolveModule(tree, from, request, { conditions: 'require' }, PROVIDED);
const imp = (request: string, from = ROOT) =>
  resolveModule(tree, from, request, { conditions: 'import' }, PROVIDED);

describe('relative and absolute requests', () => {
  it('require() tries the exact path, then .js and .json', () => {
    expect(req('./lib/util')).toEqual(file('/var/task/lib/util.js', 'cjs'));
    expect(req('./lib/util.js')).toEqual(file('/var/task/lib/util.js', 'cjs'));
    expect(req('./a')).toEqual(file('/var/task/a', 'cjs'));
    expect(req('./data')).toEqual(file('/var/task/data.json', 'json'));
    expect(req('../lib/sub/deep', '/var/task/src/app.js')).toEqual(file('/var/task/lib/sub/deep.js', 'cjs'));
    expect(req('/var/task/lib/util')).toEqual(file('/var/task/lib/util.js', 'cjs'));
    expect(req('./nope')).toEqual(missing('./nope'));
  });

  it('require() does not probe .cjs or .mjs, as Node does not', () => {
    expect(req('./c')).toEqual(missing('./c'));
    expect(req('./d')).toEqual(missing('./d'));
    expect(req('./c.cjs')).toEqual(file('/var/task/c.cjs', 'cjs'));
    expect(req('./d.mjs')).toEqual(file('/var/task/d.mjs', 'esm'));
  });

  it('import takes the path literally: no extensions, no directories', () => {
    expect(imp('./lib/util.js')).toEqual(file('/var/task/lib/util.js', 'cjs'));
    expect(imp('./lib/util')).toEqual(missing('./lib/util'));
    expect(imp('./data.json')).toEqual(file('/var/task/data.json', 'json'));
    expect(imp('./lib')).toEqual(missing('./lib'));
    expect(imp('./main-noext')).toEqual(missing('./main-noext'));
    expect(imp('/var/task/d.mjs')).toEqual(file('/var/task/d.mjs', 'esm'));
  });

  it('import specifiers are URLs', () => {
    expect(imp('./space%20dir/x%20y.js')).toEqual(file('/var/task/space dir/x y.js', 'cjs'));
    expect(imp('./a.js?v=2#top')).toEqual(file('/var/task/a.js', 'cjs'));
    expect(imp('file:///var/task/a.js')).toEqual(file('/var/task/a.js', 'cjs'));
    expect(req('./space%20dir/x%20y.js')).toEqual(missing('./space%20dir/x%20y.js'));
  });

  it('loads a directory through package.json main, then index', () => {
    expect(req('./main-noext')).toEqual(file('/var/task/main-noext/start.js', 'cjs'));
    expect(req('./main-dir')).toEqual(file('/var/task/main-dir/dist/index.js', 'cjs'));
    expect(req('./main-gone')).toEqual(file('/var/task/main-gone/index.js', 'cjs'));
    expect(req('./lib/sub')).toEqual(missing('./lib/sub'));
    expect(req('./jsonidx')).toEqual(file('/var/task/jsonidx/index.json', 'json'));
    expect(req('.', '/var/task/a.js')).toEqual(file('/var/task/index.js', 'cjs'));
    expect(req('..', '/var/task/src/app.js')).toEqual(file('/var/task/index.js', 'cjs'));
  });

  it('prefers the file over the directory, unless the request ends in a slash', () => {
    expect(req('./both')).toEqual(file('/var/task/both.js', 'cjs'));
    expect(req('./both/')).toEqual(file('/var/task/both/index.js', 'cjs'));
  });

  it('treats a malformed package.json as an error, as Node does', () => {
    expect(req('./broken')).toEqual(missing('./broken'));
  });
});

describe('node_modules', () => {
  it('walks up from nested directories to /var/task/node_modules', () => {
    expect(req('dep', '/var/task/src/deep/er/f.js')).toEqual(
      file('/var/task/node_modules/dep/index.js', 'cjs'),
    );
    expect(imp('dep', '/var/task/src/deep/er/f.js')).toEqual(
      file('/var/task/node_modules/dep/index.js', 'cjs'),
    );
    expect(req('dep/sub')).toEqual(file('/var/task/node_modules/dep/sub.js', 'cjs'));
    expect(imp('dep/sub')).toEqual(missing('dep/sub'));
    expect(imp('dep/sub.js')).toEqual(file('/var/task/node_modules/dep/sub.js', 'cjs'));
    expect(req('dep/package.json')).toEqual(file('/var/task/node_modules/dep/package.json', 'json'));
  });

  it('uses the nearest node_modules first', () => {
    expect(req('shadow', '/var/task/src/deep/er/f.js')).toEqual(
      file('/var/task/src/node_modules/shadow/index.js', 'cjs'),
    );
    expect(req('shadow')).toEqual(file('/var/task/node_modules/shadow/index.js', 'cjs'));
    const fromOuter = '/var/task/node_modules/outer/index.js';
    expect(req('inner', fromOuter)).toEqual(
      file('/var/task/node_modules/outer/node_modules/inner/index.js', 'cjs'),
    );
    expect(req('inner')).toEqual(missing('inner'));
  });

  it('never looks in node_modules/node_modules', () => {
    expect(req('ghost', '/var/task/node_modules/outer/index.js')).toEqual(missing('ghost'));
  });

  it('require() keeps walking when a package lacks the file; import stops at the first package', () => {
    const from = '/var/task/src/app.js';
    expect(req('partial/only-top', from)).toEqual(file('/var/task/node_modules/partial/only-top.js', 'cjs'));
    expect(imp('partial/only-top.js', from)).toEqual(missing('partial/only-top.js'));
  });

  it('require() finds node_modules/name.js; import needs a package directory', () => {
    expect(req('loose')).toEqual(file('/var/task/node_modules/loose.js', 'cjs'));
    expect(imp('loose')).toEqual(missing('loose'));
  });

  it('resolves scoped packages', () => {
    expect(req('@sc/pkg')).toEqual(file('/var/task/node_modules/@sc/pkg/main.js', 'cjs'));
    expect(imp('@sc/pkg')).toEqual(file('/var/task/node_modules/@sc/pkg/main.js', 'cjs'));
    expect(req('@sc/pkg/other')).toEqual(file('/var/task/node_modules/@sc/pkg/other.js', 'cjs'));
    expect(req('@sc')).toEqual(missing('@sc'));
    expect(req('@sc/nope')).toEqual(missing('@sc/nope'));
  });
});

describe('package exports', () => {
  it('a string is the only entry point', () => {
    expect(req('ex-str')).toEqual(file('/var/task/node_modules/ex-str/e.js', 'cjs'));
    expect(imp('ex-str')).toEqual(file('/var/task/node_modules/ex-str/e.js', 'cjs'));
    expect(req('ex-str/other.js')).toEqual(missing('ex-str/other.js'));
    expect(req('ex-str/package.json')).toEqual(missing('ex-str/package.json'));
  });

  it('conditions pick per require/import, in key order, ignoring unknown ones', () => {
    expect(req('ex-cond')).toEqual(file('/var/task/node_modules/ex-cond/r.cjs', 'cjs'));
    expect(imp('ex-cond')).toEqual(file('/var/task/node_modules/ex-cond/i.mjs', 'esm'));
    expect(req('ex-cond/r.cjs')).toEqual(missing('ex-cond/r.cjs'));
  });

  it('nested conditions under a subpath map', () => {
    expect(req('ex-obj')).toEqual(file('/var/task/node_modules/ex-obj/n.cjs', 'cjs'));
    expect(imp('ex-obj')).toEqual(file('/var/task/node_modules/ex-obj/n.js', 'esm'));
    expect(req('ex-obj/feature')).toEqual(file('/var/task/node_modules/ex-obj/f.js', 'esm'));
  });

  it('subpath patterns, with the longest prefix winning', () => {
    expect(req('ex-obj/utils/a')).toEqual(file('/var/task/node_modules/ex-obj/src/utils/a.js', 'esm'));
    expect(imp('ex-obj/utils/b/c')).toEqual(file('/var/task/node_modules/ex-obj/src/utils/b/c.js', 'esm'));
    expect(req('ex-pat/abc')).toEqual(file('/var/task/node_modules/ex-pat/alib/bc.js', 'cjs'));
    expect(req('ex-pat/x/y.js')).toEqual(file('/var/task/node_modules/ex-pat/xs/y.js', 'cjs'));
    expect(req('ex-pat/abc.js')).toEqual(missing('ex-pat/abc.js'));
  });

  it('anything not exported is missing', () => {
    expect(req('ex-obj/hidden.js')).toEqual(missing('ex-obj/hidden.js'));
    expect(req('ex-obj/utils/private/p')).toEqual(missing('ex-obj/utils/private/p'));
    expect(req('ex-obj/missing')).toEqual(missing('ex-obj/missing'));
    expect(req('ex-obj/dir')).toEqual(missing('ex-obj/dir'));
    expect(req('ex-obj/package.json')).toEqual(missing('ex-obj/package.json'));
    expect(req('ex-empty')).toEqual(missing('ex-empty'));
    expect(req('ex-mixed')).toEqual(missing('ex-mixed'));
  });

  it('an array falls back past invalid targets', () => {
    expect(req('ex-obj/arr')).toEqual(file('/var/task/node_modules/ex-obj/f.js', 'esm'));
  });

  it('exports: null means no exports field', () => {
    expect(req('ex-null')).toEqual(file('/var/task/node_modules/ex-null/m.js', 'cjs'));
  });
});

describe('package imports', () => {
  it('maps #specifiers through the nearest package.json', () => {
    expect(req('#lib')).toEqual(file('/var/task/lib/util.js', 'cjs'));
    expect(req('#pat/sub/deep', '/var/task/src/app.js')).toEqual(file('/var/task/lib/sub/deep.js', 'cjs'));
    expect(imp('#own', '/var/task/esm/x.js')).toEqual(file('/var/task/esm/own.js', 'esm'));
    expect(imp('#lib', '/var/task/esm/x.js')).toEqual(missing('#lib'));
    expect(imp('#int', '/var/task/node_modules/ex-obj/uses-int.js')).toEqual(
      file('/var/task/node_modules/ex-obj/internal.js', 'esm'),
    );
  });

  it('applies conditions', () => {
    expect(req('#cond')).toEqual(file('/var/task/lib/req.js', 'cjs'));
    expect(imp('#cond')).toEqual(file('/var/task/lib/imp.mjs', 'esm'));
  });

  it('may map to packages and built-ins', () => {
    expect(req('#dep')).toEqual(file('/var/task/node_modules/dep/index.js', 'cjs'));
    expect(imp('#events')).toEqual({ kind: 'builtin', name: 'events' });
  });

  it('rejects undefined and malformed names', () => {
    expect(req('#nope')).toEqual(missing('#nope'));
    expect(req('#')).toEqual(missing('#'));
    expect(req('#pat/')).toEqual(missing('#pat/'));
  });
});

describe('formatOf', () => {
  it('goes by extension, and by the package scope for .js', () => {
    expect(formatOf(tree, '/var/task/d.mjs')).toBe('esm');
    expect(formatOf(tree, '/var/task/esm/y.cjs')).toBe('cjs');
    expect(formatOf(tree, '/var/task/data.json')).toBe('json');
    expect(formatOf(tree, '/var/task/notes.txt')).toBe('cjs');
    expect(formatOf(tree, '/var/task/index.js')).toBe('cjs');
    expect(formatOf(tree, '/var/task/esm/x.js')).toBe('esm');
    expect(formatOf(tree, '/var/task/esm/sub/z.js')).toBe('esm');
    expect(formatOf(tree, '/var/task/node_modules/ex-obj/src/utils/a.js')).toBe('esm');
  });

  it('does not let a package without package.json inherit the app type', () => {
    expect(formatOf(tree, '/var/task/esm/node_modules/untyped/index.js')).toBe('cjs');
  });

  it('is what resolution reports', () => {
    expect(req('./y.cjs', '/var/task/esm/x.js')).toEqual(file('/var/task/esm/y.cjs', 'cjs'));
    expect(imp('./sub/z.js', '/var/task/esm/x.js')).toEqual(file('/var/task/esm/sub/z.js', 'esm'));
    expect(imp('untyped', '/var/task/esm/x.js')).toEqual(
      file('/var/task/esm/node_modules/untyped/index.js', 'cjs'),
    );
  });
});

describe('built-ins', () => {
  it('lists every Node core module', () => {
    for (const name of ['fs', 'fs/promises', 'child_process', 'events', 'sqlite', 'test', 'worker_threads']) {
      expect(nodeBuiltinNames.has(name)).toBe(true);
    }
  });

  it('separates provided from unavailable', () => {
    expect(req('events')).toEqual({ kind: 'builtin', name: 'events' });
    expect(imp('util')).toEqual({ kind: 'builtin', name: 'util' });
    expect(req('fs')).toEqual({ kind: 'unavailable', name: 'fs' });
    expect(imp('fs/promises')).toEqual({ kind: 'unavailable', name: 'fs/promises' });
    expect(req('child_process')).toEqual({ kind: 'unavailable', name: 'child_process' });
  });

  it('node: requests are always built-ins', () => {
    expect(req('node:events')).toEqual({ kind: 'builtin', name: 'events' });
    expect(imp('node:fs')).toEqual({ kind: 'unavailable', name: 'fs' });
    expect(req('node:xyz')).toEqual({ kind: 'unavailable', name: 'xyz' });
    expect(req('node:test')).toEqual({ kind: 'unavailable', name: 'test' });
  });

  it('core wins over a node_modules package of the same name', () => {
    expect(req('events')).toEqual({ kind: 'builtin', name: 'events' });
    expect(imp('events')).toEqual({ kind: 'builtin', name: 'events' });
    expect(req('events/')).toEqual(file('/var/task/node_modules/events/events.js', 'cjs'));
    expect(req('events/events.js')).toEqual(file('/var/task/node_modules/events/events.js', 'cjs'));
  });

  it('node:-only modules do not shadow packages', () => {
    expect(req('test')).toEqual(file('/var/task/node_modules/test/index.js', 'cjs'));
  });
});

describe('containment', () => {
  it('paths leaving /var/task are missing', () => {
    expect(req('../../etc/passwd')).toEqual(missing('../../etc/passwd'));
    expect(imp('../../etc/passwd')).toEqual(missing('../../etc/passwd'));
    expect(req('/etc/passwd')).toEqual(missing('/etc/passwd'));
    expect(imp('/etc/passwd')).toEqual(missing('/etc/passwd'));
    expect(imp('file:///etc/passwd')).toEqual(missing('file:///etc/passwd'));
    expect(req('../x')).toEqual(missing('../x'));
    expect(req('..')).toEqual(missing('..'));
  });

  it('package.json fields cannot point outside', () => {
    expect(req('./main-out')).toEqual(missing('./main-out'));
    expect(req('ex-obj/up')).toEqual(missing('ex-obj/up'));
    expect(req('ex-obj/up2')).toEqual(missing('ex-obj/up2'));
    expect(req('ex-obj/nm')).toEqual(missing('ex-obj/nm'));
    expect(req('ex-obj/utils/../../n')).toEqual(missing('ex-obj/utils/../../n'));
    expect(req('#esc')).toEqual(missing('#esc'));
  });

  it('bare requests cannot climb out either', () => {
    expect(req('dep/../../../../etc/passwd')).toEqual(missing('dep/../../../../etc/passwd'));
    expect(req('../etc/passwd', '/var/task/node_modules/x.js')).toEqual(missing('../etc/passwd'));
  });
});

describe('resolveHandler', () => {
  const handlers = memoryTree({
    '/etc/passwd.js': cjs,
    '/var/x.js': cjs,
    '/var/task/index.js': cjs,
    '/var/task/index.mjs': esm,
    '/var/task/src/app.js': cjs,
    '/var/task/only.mjs': esm,
    '/var/task/only.cjs': cjs,
    '/var/task/legacy.cjs': cjs,
    '/var/task/dir/index.js': cjs,
    '/var/task/typed/package.json': json({ type: 'module' }),
    '/var/task/typed/app.js': esm,
    '/var/task/node_modules/handlers/index.js': cjs,
  });

  it('finds module.js under /var/task', () => {
    expect(resolveHandler(handlers, 'index.handler')).toEqual({
      path: '/var/task/index.js',
      format: 'cjs',
      exportName: 'handler',
    });
    expect(resolveHandler(handlers, 'src/app.handler')).toEqual({
      path: '/var/task/src/app.js',
      format: 'cjs',
      exportName: 'handler',
    });
    expect(resolveHandler(handlers, '/var/task/src/app.handler')).toEqual({
      path: '/var/task/src/app.js',
      format: 'cjs',
      exportName: 'handler',
    });
  });

  it('tries .js, then .mjs, then .cjs', () => {
    expect(resolveHandler(handlers, 'only.handler')).toEqual({
      path: '/var/task/only.mjs',
      format: 'esm',
      exportName: 'handler',
    });
    expect(resolveHandler(handlers, 'legacy.handler')).toEqual({
      path: '/var/task/legacy.cjs',
      format: 'cjs',
      exportName: 'handler',
    });
    expect(resolveHandler(handlers, 'typed/app.handler')).toEqual({
      path: '/var/task/typed/app.js',
      format: 'esm',
      exportName: 'handler',
    });
  });

  it('splits at the first dot; the rest is a property path', () => {
    expect(resolveHandler(handlers, 'index.obj.handler')).toEqual({
      path: '/var/task/index.js',
      format: 'cjs',
      exportName: 'obj.handler',
    });
  });

  it('requires an extensionless directory, and falls back to node_modules', () => {
    expect(resolveHandler(handlers, 'dir.handler')).toEqual({
      path: '/var/task/dir/index.js',
      format: 'cjs',
      exportName: 'handler',
    });
    expect(resolveHandler(handlers, 'handlers.main')).toEqual({
      path: '/var/task/node_modules/handlers/index.js',
      format: 'cjs',
      exportName: 'main',
    });
  });

  it('returns undefined for missing, malformed and escaping handlers', () => {
    expect(resolveHandler(handlers, 'nope.handler')).toBeUndefined();
    expect(resolveHandler(handlers, 'index')).toBeUndefined();
    expect(resolveHandler(handlers, 'fs.readFile')).toBeUndefined();
    expect(resolveHandler(handlers, '../x.handler')).toBeUndefined();
    expect(resolveHandler(handlers, 'src/../../x.handler')).toBeUndefined();
    expect(resolveHandler(handlers, '/etc/passwd.handler')).toBeUndefined();
    expect(resolveHandler(handlers, '/var/x.handler')).toBeUndefined();
  });
});
