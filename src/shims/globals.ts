import { atob, btoa } from './base64';
import { createConsole } from './console';
import { createCrypto } from './crypto';
import { TextDecoder, TextEncoder } from './encoding';
import type { HostFunctions } from './host';
import type { createProcess } from './process';
import type { Loader } from './require';
import type { TimerTable } from './timers';

/** Globals backed by the internal module 'islet:fetch'. */
const fetchGlobals = [
  'fetch',
  'Request',
  'Response',
  'Headers',
  'AbortController',
  'AbortSignal',
  'FormData',
  'Blob',
  'File',
  'DOMException',
] as const;

/**
 * THE list of what the sandbox's global object gets, beyond what V8 itself defines. Nothing else
 * is added; nothing from the host is reachable. Heavy globals (Buffer, URL, structuredClone) are
 * created on first access so that a cold start pays only for what a function uses.
 */
export function installGlobals(
  g: typeof globalThis,
  deps: {
    host: HostFunctions;
    loader: Loader;
    timers: TimerTable;
    process: ReturnType<typeof createProcess>;
  },
): void {
  const { host, loader, timers } = deps;
  const value = (name: string, v: unknown) =>
    Object.defineProperty(g, name, { value: v, writable: true, configurable: true, enumerable: false });
  const lazy = (name: string, make: () => unknown) =>
    Object.defineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get() {
        const v = make();
        value(name, v);
        return v;
      },
      set(v: unknown) {
        value(name, v);
      },
    });

  value('global', g);
  value('console', createConsole(loader));
  value('process', deps.process);
  value('setTimeout', (fn: unknown, ms?: unknown, ...args: unknown[]) => timers.add(fn, ms, args, false));
  value('setInterval', (fn: unknown, ms?: unknown, ...args: unknown[]) => timers.add(fn, ms, args, true));
  value('setImmediate', (fn: unknown, ...args: unknown[]) => timers.add(fn, 0, args, false));
  value('clearTimeout', (h: unknown) => timers.clear(h));
  value('clearInterval', (h: unknown) => timers.clear(h));
  value('clearImmediate', (h: unknown) => timers.clear(h));
  value('queueMicrotask', (fn: unknown) => {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    Promise.resolve().then(fn as () => void);
  });
  value('TextEncoder', TextEncoder);
  value('TextDecoder', TextDecoder);
  value('atob', atob);
  value('btoa', btoa);
  value('crypto', createCrypto(host));
  value('performance', { now: () => host.now(), timeOrigin: Date.now() - host.now() });
  lazy('Buffer', () => (loader.requireBuiltin('buffer') as { Buffer: unknown }).Buffer);
  lazy('URL', () => (loader.requireBuiltin('islet:whatwg-url') as { URL: unknown }).URL);
  lazy(
    'URLSearchParams',
    () => (loader.requireBuiltin('islet:whatwg-url') as { URLSearchParams: unknown }).URLSearchParams,
  );
  lazy('structuredClone', () => {
    const mod = loader.requireBuiltin('islet:structured-clone') as { default?: unknown };
    const clone = (mod.default ?? mod) as (v: unknown, o?: unknown) => unknown;
    return (v: unknown, o?: unknown) => clone(v, { lossy: false, json: false, ...(o as object) });
  });
  // fetch and its companions (src/shims/fetch/), compiled together on the first use of any of them.
  for (const name of fetchGlobals) {
    lazy(name, () => (loader.requireBuiltin('islet:fetch') as Record<string, unknown>)[name]);
  }
}
