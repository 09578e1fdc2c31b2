import { createContext, type FunctionFacts, type InvocationExtras } from './context';
import { runtimeError, toErrorPayload } from './errors';
import { setRequestId, writeConsoleLine } from './log';
import { ProcessExit } from './process';
import type { TimerTable } from './timers';

/**
 * Outcome codes prefixed to the JSON text handed back to the host, so a result crosses the
 * boundary as one string without being wrapped and re-escaped:
 *   R<json>  the handler's result
 *   E<json>  a function error payload {errorType, errorMessage, trace}
 *   X<json>  a fatal error: the environment must be thrown away (process.exit, uncaught in a timer)
 */
export type Outcome = string;

type Handler = (event: unknown, context: unknown, callback: (e?: unknown, r?: unknown) => void) => unknown;

function serialize(result: unknown): string {
  const text = JSON.stringify(result);
  return text === undefined ? 'null' : text;
}

/** Lambda's invoke loop inside one execution environment: one invocation at a time. */
export class LambdaRuntime {
  private handler: Handler | undefined;
  private facts: FunctionFacts | undefined;
  private abortCurrent: ((error: unknown) => void) | undefined;

  constructor(private readonly timers: TimerTable) {}

  /** Sets the function facts and handler found by init. */
  setHandler(facts: FunctionFacts, moduleExports: unknown, handlerSetting: string, exportPath: string): void {
    this.facts = facts;
    let value: unknown = moduleExports;
    for (const part of exportPath.split('.')) {
      value = value == null ? undefined : (value as Record<string, unknown>)[part];
    }
    if (typeof value !== 'function') {
      throw runtimeError('Runtime.HandlerNotFound', `${handlerSetting} is undefined or not exported`);
    }
    this.handler = value as Handler;
  }

  /** A timer callback threw: Lambda's Node runtime crashes; the invocation fails and the environment goes. */
  uncaught(error: unknown): void {
    if (this.abortCurrent) this.abortCurrent(error);
    else writeConsoleLine('ERROR', `Uncaught Exception \t${JSON.stringify(toErrorPayload(error))}`);
  }

  /** Runs one invocation and resolves with its Outcome. */
  invoke(
    requestId: string,
    payloadJson: string,
    deadlineMs: number,
    extrasJson: string | undefined,
  ): Promise<Outcome> {
    setRequestId(requestId);
    const handler = this.handler;
    const facts = this.facts;
    if (!handler || !facts)
      return Promise.resolve(
        `X${JSON.stringify(toErrorPayload(runtimeError('Runtime.Uninitialized', 'handler not loaded')))}`,
      );
    const extras = (extrasJson ? JSON.parse(extrasJson) : {}) as InvocationExtras;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        this.abortCurrent = undefined;
        resolve(outcome);
      };
      const fail = (error: unknown, fatal: boolean) => {
        const payload = JSON.stringify(toErrorPayload(error));
        writeConsoleLine('ERROR', `Invoke Error \t${payload}`);
        settle((fatal ? 'X' : 'E') + payload);
      };
      const succeed = (result: unknown) => {
        let text: string;
        try {
          text = serialize(result);
        } catch (e) {
          fail(e, false);
          return;
        }
        settle(`R${text}`);
      };
      const finish = (error: unknown, result: unknown, viaCallback: boolean) => {
        if (settled) return;
        const go = () => (error !== null && error !== undefined ? fail(error, false) : succeed(result));
        if (viaCallback && context.callbackWaitsForEmptyEventLoop) this.timers.whenIdle().then(go);
        else go();
      };
      this.abortCurrent = (error) => fail(error, true);
      const context = createContext(facts, requestId, deadlineMs, extras, finish);
      let calledBack = false;
      const callback = (error?: unknown, result?: unknown) => {
        calledBack = true;
        finish(error ?? null, result, true);
      };
      let returned: unknown;
      try {
        returned = handler(JSON.parse(payloadJson), context, callback);
      } catch (e) {
        fail(e, e instanceof ProcessExit);
        return;
      }
      if (
        returned !== null &&
        typeof returned === 'object' &&
        typeof (returned as Promise<unknown>).then === 'function'
      ) {
        (returned as Promise<unknown>).then(
          (r) => finish(null, r, false),
          (e) =>
            e instanceof ProcessExit
              ? fail(e, true)
              : finish(e ?? new Error('Promise rejected'), undefined, false),
        );
      } else {
        // A handler that neither returns a promise nor calls back answers null once its event loop is empty.
        this.timers.whenIdle().then(() => {
          if (!calledBack) finish(null, null, false);
        });
      }
    });
  }
}
