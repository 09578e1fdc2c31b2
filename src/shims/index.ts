import { CallTable } from './calls';
import type { FunctionFacts } from './context';
import { toErrorPayload } from './errors';
import type { createFs } from './fs/index';
import { installGlobals } from './globals';
import type { Bootstrap, HostFunctions } from './host';
import { LambdaRuntime } from './lambda-runtime';
import { attachLog } from './log';
import type { createOs } from './os';
import { createProcess } from './process';
import { Loader } from './require';
import { TimerTable } from './timers';

/** What install() hands back to the host: the only entry points the host calls. */
export interface SandboxEntryPoints {
  /** Loads a CommonJS handler module and binds the handler; returns '' or an error payload JSON. */
  initCjs(factsJson: string, path: string, handlerSetting: string, exportPath: string): string;
  /** Binds the handler from an evaluated ES module namespace; returns '' or an error payload JSON. */
  initEsm(factsJson: string, namespace: unknown, handlerSetting: string, exportPath: string): string;
  /** Sets process.env before an ES module graph is evaluated (CommonJS init sets it itself). */
  setEnv(envJson: string): void;
  /** Export names of a CommonJS/JSON/built-in module, for the ES module glue (JSON array). */
  exportNames(resolutionJson: string, fromPath: string): string;
  /** Runs one invocation; resolves with an Outcome (see lambda-runtime.ts). */
  invoke(
    requestId: string,
    payloadJson: string,
    deadlineMs: number,
    extrasJson: string | undefined,
  ): Promise<string>;
  /** Host timer `id` is due. */
  fireTimer(id: number): void;
  /** The host answered service call `id` (wire text: the output, or the error when !ok). */
  settleCall(id: number, ok: boolean, wire: string): void;
}

/** Name of the one non-enumerable global the ES module glue needs to reach CommonJS modules. */
export const esmRequireGlobal = '__isletRequire';

/** Sets up a fresh sandbox. Called once per execution environment, before any user code runs. */
export function install(host: HostFunctions, bootstrapJson: string): SandboxEntryPoints {
  const boot = JSON.parse(bootstrapJson) as Bootstrap;
  attachLog(host);
  const g = globalThis;
  let runtime: LambdaRuntime | undefined;
  const timers = new TimerTable(host, (e) => runtime?.uncaught(e));
  runtime = new LambdaRuntime(timers);
  const calls = new CallTable(host, () => timers.checkIdle());
  timers.otherPending = () => calls.pending;
  const proc = createProcess(boot, host);
  const loader: Loader = new Loader(host, {
    process: () => proc,
    console: () => g.console,
    timers: () => ({
      setTimeout: g.setTimeout,
      setInterval: g.setInterval,
      setImmediate: g.setImmediate,
      clearTimeout: g.clearTimeout,
      clearInterval: g.clearInterval,
      clearImmediate: g.clearImmediate,
    }),
    'path/posix': () => loader.requireBuiltin('path'),
    'util/types': () => (loader.requireBuiltin('util') as { types: unknown }).types,
    // fs and os are bundled on their own (islet:fs, islet:os) and compiled on first require only.
    fs: () =>
      (loader.requireBuiltin('islet:fs') as { createFs: typeof createFs }).createFs(host.fsOp, {
        stdout: (text) => proc.stdout.write(text),
        stderr: (text) => proc.stderr.write(text),
      }),
    'fs/promises': () => (loader.requireBuiltin('fs') as { promises: unknown }).promises,
    os: () => (loader.requireBuiltin('islet:os') as { createOs: typeof createOs }).createOs(proc),
    // Host services for islet's own modules (the AWS SDK shims, fetch); user code cannot require it.
    'islet:host-call': () =>
      Object.freeze({
        call: (service: string, op: string, input: unknown) => calls.call(service, op, input),
      }),
  });
  installGlobals(g, { host, loader, timers, process: proc });
  Object.defineProperty(g, esmRequireGlobal, {
    value: (resolutionJson: string, fromPath: string) => loader.load(JSON.parse(resolutionJson), fromPath),
    enumerable: false,
  });
  const rt = runtime;
  const guard = (fn: () => void): string => {
    try {
      fn();
      return '';
    } catch (e) {
      const p = toErrorPayload(e);
      if (e instanceof SyntaxError) p.errorType = 'Runtime.UserCodeSyntaxError';
      else if ((e as { code?: string })?.code === 'MODULE_NOT_FOUND')
        p.errorType = 'Runtime.ImportModuleError';
      return JSON.stringify(p);
    }
  };
  return {
    initCjs: (factsJson, path, handlerSetting, exportPath) =>
      guard(() => {
        const facts = JSON.parse(factsJson) as FunctionFacts;
        proc.env = { ...facts.env };
        const exportsValue = loader.load({ kind: 'file', path, format: 'cjs' }, path);
        rt.setHandler(facts, exportsValue, handlerSetting, exportPath);
      }),
    initEsm: (factsJson, namespace, handlerSetting, exportPath) =>
      guard(() =>
        rt.setHandler(JSON.parse(factsJson) as FunctionFacts, namespace, handlerSetting, exportPath),
      ),
    exportNames: (resolutionJson, fromPath) => {
      const value = loader.load(JSON.parse(resolutionJson), fromPath);
      const names =
        value !== null && (typeof value === 'object' || typeof value === 'function')
          ? Object.keys(value)
          : [];
      return JSON.stringify(names);
    },
    invoke: (requestId, payloadJson, deadlineMs, extrasJson) =>
      rt.invoke(requestId, payloadJson, deadlineMs, extrasJson),
    fireTimer: (id) => timers.fire(id),
    settleCall: (id, ok, wire) => calls.settle(id, ok, wire),
    setEnv: (envJson) => {
      proc.env = JSON.parse(envJson) as Record<string, string>;
    },
  };
}

/** install() with the host functions as positional arguments, the form the bridge can pass across. */
export function installWith(
  log: HostFunctions['log'],
  timerSet: HostFunctions['timerSet'],
  timerClear: HostFunctions['timerClear'],
  resolve: HostFunctions['resolve'],
  readText: HostFunctions['readText'],
  compileCjs: HostFunctions['compileCjs'],
  loadBuiltin: HostFunctions['loadBuiltin'],
  randomBytes: HostFunctions['randomBytes'],
  now: HostFunctions['now'],
  call: HostFunctions['call'],
  fsOp: HostFunctions['fsOp'],
  bootstrapJson: string,
): SandboxEntryPoints {
  return install(
    { log, timerSet, timerClear, resolve, readText, compileCjs, loadBuiltin, randomBytes, now, call, fsOp },
    bootstrapJson,
  );
}
