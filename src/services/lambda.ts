import { parseFunctionRef, requireLatest } from '../control/function-ref';
import type { Functions } from '../control/functions';
import { clientContext, invokeOptions, payloadText, syncAnswer } from '../control/invoke-input';
import { InvalidParameterValueError, RequestTooLargeError } from '../errors';
import type { AsyncQueue } from '../events/async-queue';
import { limits } from '../limits';
import type { Invoker } from '../runtime/invoker';
import { type Service, ServiceCallFailure } from './host';

/** The Lambda API as a function sees it through the SDK shims: one function calling another. */
export function lambdaService(deps: {
  functions: Functions;
  invoker: Invoker;
  asyncQueue: AsyncQueue;
}): Service {
  const { functions, invoker, asyncQueue } = deps;

  const target = (input: Record<string, unknown>) => {
    if (typeof input.FunctionName !== 'string' || input.FunctionName === '') {
      throw new InvalidParameterValueError('FunctionName is required');
    }
    const qualifier = typeof input.Qualifier === 'string' ? input.Qualifier : undefined;
    const ref = parseFunctionRef(input.FunctionName, qualifier);
    requireLatest(ref, functions.arn(ref.name));
    return functions.deployed(ref.name);
  };

  const payloadOf = (raw: unknown, max: number): string => {
    const bytes =
      raw === undefined || raw === null
        ? Buffer.alloc(0)
        : typeof raw === 'string'
          ? Buffer.from(raw)
          : raw instanceof Uint8Array
            ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
            : undefined;
    if (!bytes) throw new InvalidParameterValueError('Payload must be a string or bytes');
    if (bytes.length > max) {
      throw new RequestTooLargeError(`${bytes.length} byte payload is too large (limit ${max} bytes)`);
    }
    return payloadText(bytes);
  };

  return async (op, input, ctx) => {
    if (op === 'Invoke') {
      const fn = target(input);
      ctx.authorize('lambda:InvokeFunction', fn.spec.functionArn);
      const { type, tail } = invokeOptions(input.InvocationType, input.LogType);
      const payload = payloadOf(
        input.Payload,
        type === 'Event' ? limits.maxAsyncPayloadBytes : limits.maxSyncPayloadBytes,
      );
      const cc = clientContext(typeof input.ClientContext === 'string' ? input.ClientContext : undefined);
      if (type === 'DryRun') return { StatusCode: 204 };
      if (type === 'Event') {
        await asyncQueue.enqueue(fn.record.name, payload);
        return { StatusCode: 202, Payload: new Uint8Array(0) };
      }
      const extras = cc === undefined ? undefined : JSON.stringify({ clientContext: cc });
      const answer = syncAnswer(await invoker.invoke(fn, payload, { extras }), tail);
      return {
        StatusCode: 200,
        ExecutedVersion: fn.spec.version,
        ...(answer.functionError ? { FunctionError: answer.functionError } : {}),
        ...(answer.logResult !== undefined ? { LogResult: answer.logResult } : {}),
        Payload: Buffer.from(answer.payload),
      };
    }
    if (op === 'InvokeAsync') {
      const fn = target(input);
      ctx.authorize('lambda:InvokeFunction', fn.spec.functionArn);
      const raw = input.InvokeArgs;
      await asyncQueue.enqueue(fn.record.name, payloadOf(raw, limits.maxAsyncPayloadBytes));
      return { Status: 202 };
    }
    throw new ServiceCallFailure(
      'UnsupportedOperation',
      `islet's Lambda service has no operation ${op.slice(0, 64)}`,
    );
  };
}
