import { createRequire } from 'node:module';
import { cacheDir, extractAddon, seaModule } from './native';

/**
 * The native addon of classic-level, the LevelDB under islet's own DynamoDB tables. The bundler
 * replaces classic-level's `binding.js` (which looks for prebuilds beside itself, and so cannot
 * run from a bundle) with this. Run from dist/islet.cjs, classic-level's own loader runs from
 * node_modules. In a single executable, the addon travels as the SEA asset `classic_level.node`
 * and is extracted to the cache directory like isolated-vm's (src/runtime/native.ts).
 */

/** Name of the SEA asset that holds classic-level's addon (see scripts/build-exe.mjs). */
export const LEVEL_ADDON_ASSET = 'classic_level.node';

function load(): unknown {
  const sea = seaModule();
  if (!sea) {
    const require = createRequire(__filename);
    return require(require.resolve('classic-level/binding.js'));
  }
  const file = extractAddon(new Uint8Array(sea.getRawAsset(LEVEL_ADDON_ASSET)), cacheDir(), 'classic_level');
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}

/**
 * classic-level's binding; when it cannot load, a stand-in that throws the reason on first use,
 * so opening the tables fails with it (and islet answers DynamoDB calls with that error) instead
 * of islet failing to start.
 */
export function classicLevelBinding(): unknown {
  try {
    return load();
  } catch (e) {
    const reason = new Error(
      `the LevelDB native addon (classic-level) cannot be loaded: ${(e as Error).message}`,
    );
    return new Proxy(
      {},
      {
        get() {
          throw reason;
        },
      },
    );
  }
}
