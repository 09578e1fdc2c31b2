// Builds dist/islet: islet as ONE executable (a Node.js single executable application).
// It is the Node binary that runs this script, with dist/islet.cjs (from `npm run build`) and the
// isolated-vm native addon injected as a SEA blob. At run time src/runtime/native.ts extracts the
// addon to a cache directory and loads it. Run it with `npm run build:exe`.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const ADDON_ASSET = 'isolated_vm.node'; // the key src/runtime/native.ts reads
const LEVEL_ADDON_ASSET = 'classic_level.node'; // the key src/runtime/level-addon.ts reads
const bundle = join(root, 'dist/islet.cjs');
const output = join(root, 'dist/islet');

const started = Date.now();
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function fail(message) {
  console.error(`build-exe: ${message}`);
  process.exit(1);
}

/** The executable named `name` on PATH, or undefined. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

function run(file, args, what) {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    fail(`${what} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${r.stdout}${r.stderr}`);
  }
  return r.stdout;
}

if (process.platform !== 'linux' && process.platform !== 'darwin') {
  fail(`single executables are built on Linux (and untested on macOS), not on ${process.platform}`);
}
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 24) {
  fail(
    `run with Node 24 or later (this is ${process.version} at ${process.execPath}); use npm run build:exe`,
  );
}
if (!existsSync(bundle)) fail(`${bundle} is missing: run npm run build first (npm run build:exe does both)`);

const nodeBinary = process.execPath;
const nodeBytes = readFileSync(nodeBinary);
if (!nodeBytes.includes(`${FUSE}:0`)) {
  fail(`${nodeBinary} has no unused SEA fuse (is it already a single executable, or not an official build?)`);
}

// The isolated-vm addon this Node would load (node-gyp-build picks the prebuild for this ABI/libc).
const ivmDir = dirname(require.resolve('isolated-vm/package.json'));
const addon = createRequire(join(ivmDir, 'package.json'))('node-gyp-build').path(ivmDir);
// The same for classic-level, the LevelDB under islet's own DynamoDB tables.
const levelDir = dirname(require.resolve('classic-level/package.json'));
const levelAddon = createRequire(join(levelDir, 'package.json'))('node-gyp-build').path(levelDir);

const work = mkdtempSync(join(tmpdir(), 'islet-build-exe-'));
try {
  // 1. The SEA blob. No useCodeCache: V8 rejects the cache at run time because of execArgv
  // (--no-node-snapshot changes the flags it was made with), which only costs a warning.
  const blob = join(work, 'islet.blob');
  const config = {
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    // isolated-vm needs it; it applies to every launch of the executable, executors included.
    execArgv: ['--no-node-snapshot'],
    assets: { [ADDON_ASSET]: addon, [LEVEL_ADDON_ASSET]: levelAddon },
  };
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
  run(
    nodeBinary,
    ['--experimental-sea-config', join(work, 'sea-config.json')],
    'node --experimental-sea-config',
  );
  const blobSize = statSync(blob).size;
  let strippedSize;

  /** Copies Node, optionally strips it, injects the blob; returns the file's path. */
  function make(name, strip) {
    const file = join(work, name);
    copyFileSync(nodeBinary, file);
    chmodSync(file, 0o755);
    if (process.platform === 'darwin')
      run('codesign', ['--remove-signature', file], 'codesign --remove-signature');
    // Stripping must come before the injection: stripping an injected binary breaks the SEA.
    if (strip) {
      run(strip, [file], 'strip');
      strippedSize = statSync(file).size;
    }
    const args = [
      require.resolve('postject/dist/cli.js'),
      file,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      FUSE,
    ];
    if (process.platform === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
    run(nodeBinary, args, 'postject');
    if (process.platform === 'darwin') run('codesign', ['--sign', '-', file], 'codesign --sign');
    return file;
  }

  /** Whether `file` runs: `--version` prints the version (it loads the extracted addon on the way). */
  function works(file) {
    const cache = join(work, 'cache');
    const r = spawnSync(file, ['--version'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: work, ISLET_CACHE_DIR: cache },
      timeout: 30_000,
    });
    rmSync(cache, { recursive: true, force: true });
    if (r.status === 0 && r.stdout.trim() === pkg.version) return true;
    console.error(`build-exe: ${file} --version: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}`);
    console.error(`${r.stdout}${r.stderr}`.trim());
    return false;
  }

  const strip = process.platform === 'linux' ? onPath('strip') : undefined;
  let built;
  if (strip) {
    built = make('islet-stripped', strip);
    if (!works(built)) {
      console.error('build-exe: the stripped executable does not run; building it unstripped');
      built = undefined;
    }
  }
  if (!built) {
    strippedSize = undefined;
    built = make('islet', undefined);
  }
  if (!works(built)) fail('the executable does not run');

  // Replace dist/islet by rename, so a running dist/islet is never rewritten in place.
  const staged = join(root, 'dist/.islet.tmp');
  copyFileSync(built, staged);
  chmodSync(staged, 0o755);
  renameSync(staged, output);

  const size = statSync(output).size;
  console.log(
    `built dist/islet (${mb(size)}; node ${mb(nodeBytes.length)}${strippedSize ? `, stripped ${mb(strippedSize)}` : ', not stripped'}, blob ${mb(blobSize)}) from node ${process.version} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
