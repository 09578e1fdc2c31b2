import type { Bootstrap, HostFunctions } from './host';

/** Thrown by process.exit: the runtime ends the invocation with Runtime.ExitError and discards the environment. */
export class ProcessExit extends Error {
  constructor(readonly code: number) {
    super(`Runtime exited with error: exit status ${code}`);
    this.name = 'Runtime.ExitError';
  }
}

/**
 * The sandbox's `process`: environment variables, nextTick, hrtime and the facts a handler may
 * read. It is a plain object; nothing in it reaches the host process.
 */
export function createProcess(boot: Bootstrap, host: HostFunctions) {
  const hrtime = (prev?: [number, number]): [number, number] => {
    const ms = host.now();
    let s = Math.floor(ms / 1000);
    let ns = Math.floor((ms % 1000) * 1e6);
    if (prev) {
      s -= prev[0];
      ns -= prev[1];
      if (ns < 0) {
        s--;
        ns += 1e9;
      }
    }
    return [s, ns];
  };
  hrtime.bigint = () => BigInt(Math.floor(host.now() * 1e6));
  const noop = function (this: unknown) {
    return this;
  };
  const proc = {
    /** Set from the function's facts at init (a spare sandbox is made before it has a function). */
    env: {} as Record<string, string>,
    argv: ['/var/lang/bin/node', '/var/runtime/index.mjs'],
    argv0: 'node',
    execArgv: [] as string[],
    execPath: '/var/lang/bin/node',
    version: boot.nodeVersion,
    versions: { node: boot.nodeVersion.replace(/^v/, '') },
    release: { name: 'node' },
    platform: 'linux',
    arch: 'x64',
    pid: 1,
    ppid: 0,
    title: 'node',
    exitCode: undefined as number | undefined,
    cwd: () => boot.taskRoot,
    chdir: () => {
      throw new Error('process.chdir() is not supported in islet');
    },
    umask: () => 0o22,
    uptime: () => host.now() / 1000,
    hrtime,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    cpuUsage: () => ({ user: 0, system: 0 }),
    nextTick: (fn: (...a: unknown[]) => void, ...args: unknown[]) => {
      queueMicrotask(() => fn(...args));
    },
    emitWarning: (w: unknown) => {
      console.warn(String(w instanceof Error ? `${w.name}: ${w.message}` : w));
    },
    exit: (code?: number) => {
      throw new ProcessExit(Number(code ?? 0));
    },
    abort: () => {
      throw new ProcessExit(134);
    },
    on: noop,
    once: noop,
    off: noop,
    addListener: noop,
    removeListener: noop,
    removeAllListeners: noop,
    prependListener: noop,
    emit: () => false,
    listeners: () => [],
    listenerCount: () => 0,
    binding: (name: string) => {
      throw new Error(`No such module: ${name}`);
    },
    stdout: {
      write: (s: unknown) => {
        console.log(String(s).replace(/\n$/, ''));
        return true;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: unknown) => {
        console.error(String(s).replace(/\n$/, ''));
        return true;
      },
      isTTY: false,
    },
    features: {},
    config: { variables: {} },
  };
  return proc;
}
