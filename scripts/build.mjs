// Builds islet: the sandbox shims and the Node built-in ports are bundled to strings and embedded
// in one CommonJS file, dist/islet.cjs, which is the server, the executors and the CLI at once.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The sandbox's built-in names are declared once, in src/shims/builtin-names.ts.
const namesModule = await esbuild.build({
  entryPoints: [join(root, 'src/shims/builtin-names.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  logLevel: 'silent',
});
const { portedBuiltins, shimBuiltins, sdkModules } = await import(
  `data:text/javascript;base64,${Buffer.from(namesModule.outputFiles[0].text).toString('base64')}`
);

// Inside a port, these resolve through the sandbox's own require (with or without Node's
// trailing-slash spelling that forces the npm package over the core module).
const nodeBuiltins = [...portedBuiltins, ...shimBuiltins, ...Object.keys(sdkModules)].flatMap((name) => [
  name,
  `${name}/`,
]);

// module name inside the sandbox -> npm package that provides it
const ports = {
  assert: 'assert/',
  buffer: 'buffer/',
  events: 'events/',
  path: 'path-browserify',
  querystring: 'querystring-es3',
  string_decoder: 'string_decoder/',
  url: join(root, 'src/shims/ports/url.cjs'),
  util: 'util/',
  'islet:whatwg-url': 'whatwg-url',
  'islet:structured-clone': '@ungap/structured-clone',
  'islet:fetch': join(root, 'src/shims/fetch/index.ts'),
};
// fs and os, bundled on their own so that they are compiled only where a function requires them.
ports['islet:fs'] = join(root, 'src/shims/fs/index.ts');
ports['islet:os'] = join(root, 'src/shims/os.ts');
// The AWS SDK shims (src/shims/aws/), bundled the same way.
for (const [name, file] of Object.entries(sdkModules)) ports[name] = join(root, `src/shims/aws/${file}.ts`);

async function bundleText(options) {
  const out = await esbuild.build({
    bundle: true,
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    ...options,
  });
  return out.outputFiles[0].text;
}

/** One port as the body of a CommonJS module wrapper. */
async function bundlePort(name, spec) {
  const entry = spec.startsWith('/') ? spec : require.resolve(spec, { paths: [root] });
  const external = [...nodeBuiltins.filter((b) => b !== name && b !== `${name}/`), 'islet:*'];
  const code = await bundleText({
    stdin: {
      // The SDK shims are TypeScript modules whose default export is the module's exports.
      contents:
        name in sdkModules
          ? `module.exports = require(${JSON.stringify(entry)}).default;`
          : `module.exports = require(${JSON.stringify(entry)});`,
      resolveDir: root,
      loader: 'js',
    },
    format: 'cjs',
    platform: 'browser',
    target: 'es2022',
    external,
    minify: true,
    define: { global: 'globalThis' },
  });
  return code;
}

const started = Date.now();
const shims = await bundleText({
  entryPoints: [join(root, 'src/shims/index.ts')],
  format: 'cjs',
  platform: 'neutral',
  target: 'es2022',
  minifySyntax: true,
});
for (const name of portedBuiltins) {
  if (!(name in ports))
    throw new Error(`src/shims/builtin-names.ts lists '${name}', but no port provides it`);
}
const portSources = {};
for (const [name, spec] of Object.entries(ports)) portSources[name] = await bundlePort(name, spec);

const sandboxModule = [
  `export const shimsSource = ${JSON.stringify(`(function(){var module={exports:{}};var exports=module.exports;\n${shims}\nreturn module.exports.installWith;})()`)};`,
  `export const portSources = ${JSON.stringify(portSources)};`,
].join('\n');

// classic-level (the LevelDB of islet's own DynamoDB tables) finds its native addon beside its own
// files, which a bundle does not have: its binding comes from src/runtime/level-addon.ts instead.
const levelBinding = {
  name: 'islet-level-binding',
  setup(build) {
    build.onResolve({ filter: /^\.\/binding(\.js)?$/ }, (args) =>
      /[\\/]classic-level[\\/]/.test(args.importer)
        ? { path: 'binding', namespace: 'islet-level' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'islet-level' }, () => ({
      contents: `module.exports = require(${JSON.stringify(join(root, 'src/runtime/level-addon.ts'))}).classicLevelBinding();`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const generated = {
  name: 'islet-generated',
  setup(build) {
    build.onResolve({ filter: /^islet:(sandbox|version)$/ }, (args) => ({
      path: args.path,
      namespace: 'islet-gen',
    }));
    build.onLoad({ filter: /.*/, namespace: 'islet-gen' }, (args) =>
      args.path === 'islet:sandbox'
        ? { contents: sandboxModule, loader: 'js' }
        : { contents: `export const version = ${JSON.stringify(pkg.version)};`, loader: 'js' },
    );
  },
};

// The web console (src/console/): bundled for the browser and embedded as assets that the server
// serves from memory (src/server/routes/console.ts), named by content hash so they cache forever.
const consoleModule = await bundleConsole();

mkdirSync(join(root, 'dist'), { recursive: true });
await esbuild.build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/islet.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node24',
  sourcemap: 'linked',
  external: ['isolated-vm'],
  plugins: [generated, consoleAssets(consoleModule), levelBinding],
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist/shims.js'), shims);
console.log(`built dist/islet.cjs in ${Date.now() - started} ms`);

/** The console's bundle (JS, CSS, icon) and its index.html template, as the text of `islet:console`. */
async function bundleConsole() {
  const { createHash } = await import('node:crypto');
  const out = await esbuild.build({
    entryPoints: [join(root, 'src/console/main.ts')],
    outdir: join(root, 'dist/console'),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const assets = {};
  const named = {};
  const add = (ext, contentType, body) => {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const file = `console.${hash}.${ext}`;
    assets[file] = { contentType, body };
    named[ext] = file;
  };
  for (const f of out.outputFiles) {
    if (f.path.endsWith('.js')) add('js', 'text/javascript; charset=utf-8', f.text);
    else if (f.path.endsWith('.css')) add('css', 'text/css; charset=utf-8', f.text);
  }
  add('svg', 'image/svg+xml', readFileSync(join(root, 'src/console/icon.svg'), 'utf8'));
  const index = readFileSync(join(root, 'src/console/index.html'), 'utf8')
    .replace('{{js}}', named.js)
    .replace('{{css}}', named.css)
    .replace('{{icon}}', named.svg);
  return [
    `export const consoleAssets = ${JSON.stringify(assets)};`,
    `export const consoleIndexTemplate = ${JSON.stringify(index)};`,
  ].join('\n');
}

/** Resolves `islet:console` to the bundled console. */
function consoleAssets(text) {
  return {
    name: 'islet-console',
    setup(build) {
      build.onResolve({ filter: /^islet:console$/ }, (args) => ({
        path: args.path,
        namespace: 'islet-console',
      }));
      build.onLoad({ filter: /.*/, namespace: 'islet-console' }, () => ({ contents: text, loader: 'js' }));
    },
  };
}
