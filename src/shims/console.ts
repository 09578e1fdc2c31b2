import { writeConsoleLine } from './log';
import type { Loader } from './require';

/**
 * console as Lambda's Node runtime provides it: each call becomes one log line with a level.
 * Formatting uses the bundled `util` port, loaded only when a call needs more than strings.
 */
export function createConsole(loader: Loader): Console {
  let format: ((...args: unknown[]) => string) | undefined;
  const fmt = (args: unknown[]): string => {
    if (args.every((a) => typeof a === 'string') && !(args[0] as string | undefined)?.includes('%')) {
      return args.join(' ');
    }
    format ??= (loader.requireBuiltin('util') as { format: (...a: unknown[]) => string }).format;
    return format(...args);
  };
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  let indent = '';
  const emit = (level: string, args: unknown[]) => {
    const text = fmt(args);
    writeConsoleLine(level, indent ? text.replace(/^/gm, indent) : text);
  };
  const c = {
    log: (...a: unknown[]) => emit('INFO', a),
    info: (...a: unknown[]) => emit('INFO', a),
    warn: (...a: unknown[]) => emit('WARN', a),
    error: (...a: unknown[]) => emit('ERROR', a),
    debug: (...a: unknown[]) => emit('DEBUG', a),
    trace: (...a: unknown[]) => {
      const stack = (new Error().stack ?? '').split('\n').slice(2).join('\n');
      emit('TRACE', [`Trace: ${fmt(a)}\n${stack}`]);
    },
    dir: (obj: unknown) => emit('INFO', [obj]),
    table: (data: unknown) => emit('INFO', [data]),
    assert: (cond: unknown, ...a: unknown[]) => {
      if (!cond) emit('ERROR', ['Assertion failed', ...a]);
    },
    count: (label = 'default') => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      emit('INFO', [`${label}: ${n}`]);
    },
    countReset: (label = 'default') => counts.delete(label),
    time: (label = 'default') => timers.set(label, Date.now()),
    timeLog: (label = 'default', ...a: unknown[]) => {
      const t = timers.get(label);
      if (t !== undefined) emit('INFO', [`${label}: ${Date.now() - t}ms`, ...a]);
    },
    timeEnd: (label = 'default') => {
      const t = timers.get(label);
      if (t !== undefined) emit('INFO', [`${label}: ${Date.now() - t}ms`]);
      timers.delete(label);
    },
    group: (...a: unknown[]) => {
      if (a.length) emit('INFO', a);
      indent += '  ';
    },
    groupEnd: () => {
      indent = indent.slice(2);
    },
  };
  return c as unknown as Console;
}
