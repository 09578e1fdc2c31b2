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
 * classic-level's binding, loaded on first use (so that processes which never open a table, the
 * executors and `islet --version`, never load or extract it). When it cannot load, every use
 * throws the reason: opening the tables fails with it, and islet answers DynamoDB calls with that
 * error instead of failing to start.
 */
export function classicLevelBinding(): unknown {
  let binding: Record<PropertyKey, unknown> | undefined;
  let failure: Error | undefined;
  const loaded = () => {
    if (binding) return binding;
    if (failure) throw failure;
    try {
      binding = load() as Record<PropertyKey, unknown>;
      return binding;
    } catch (e) {
      failure = new Error(
        `the LevelDB native addon (classic-level) cannot be loaded: ${(e as Error).message}`,
      );
      throw failure;
    }
  };
  return new Proxy({}, { get: (_target, name) => loaded()[name] });
}
