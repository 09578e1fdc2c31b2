import { Socket } from 'node:net';
import { LRUCache } from 'lru-cache';
import type { ErrorPayload } from '../bridge';
import type { FunctionSpec, InvocationResultMeta, InvokeMeta } from '../invocation';
import { type CallMeta, encodeFrame, type Frame, FrameReader, FrameType } from '../protocol';
import { ExecutionEnvironment, setCallSink, setTmpRoot, spares } from './environment';
import { EnvironmentPool, type PoolOptions } from './pool';
import { tmpRoot } from './tmp-dir';

/**
 * Entry point of an executor process: the only kind of process where user code runs. It reads
 * invocations from fd 3 (a socket pair to the front process), runs each in a warm or new
 * execution environment and writes the results back. If V8 aborts on a fatal error, only this
 * process dies; the front fails the invocations in flight here and starts a replacement.
 * Environments keep their /tmp under `<dataDir>/tmp`.
 */
export function runExecutor(options: PoolOptions, dataDir: string): void {
  setTmpRoot(tmpRoot(dataDir));
  const socket = new Socket({ fd: 3, readable: true, writable: true });
  const reader = new FrameReader();
  const pool = new EnvironmentPool(options);
  spares.refill(128); // Lambda's default MemorySize: the first cold start already has a spare
  let corked = false;
  /** Function specs by key, as the front sent them (bounded: old revisions are dropped first). */
  const specs = new LRUCache<string, FunctionSpec>({ max: Math.max(1000, options.maxEnvironments * 2) });

  const send = (frame: Buffer) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(frame);
  };

  const run = async (frame: Frame) => {
    const msg = JSON.parse(frame.meta) as { key: string; spec?: FunctionSpec; invoke: InvokeMeta };
    if (msg.spec) specs.set(msg.key, msg.spec);
    const spec = specs.get(msg.key);
    const invoke = msg.invoke;
    if (!spec) {
      send(encodeFrame(FrameType.NeedSpec, frame.id, ''));
      return;
    }
    let env = pool.take(spec);
    let initError: ErrorPayload | undefined;
    try {
      if (!env) ({ env, initError } = await ExecutionEnvironment.start(spec));
    } catch (e) {
      // The isolate itself could not be created (e.g. out of host memory): a service-side failure.
      const payload = JSON.stringify({
        errorType: 'Runtime.Unknown',
        errorMessage: `could not start an execution environment: ${(e as Error).message}`,
        trace: [],
      });
      send(
        encodeFrame(
          FrameType.Result,
          frame.id,
          JSON.stringify({
            status: 'function-error',
            errorType: 'Runtime.Unknown',
            environmentDiscarded: true,
            coldStart: true,
            durationMs: 0,
            billedDurationMs: 0,
            cpuTimeMs: 0,
            memoryMb: spec.memoryMb,
            maxMemoryUsedMb: 0,
            log: '',
          }),
          payload,
        ),
      );
      return;
    }
    env.checkedOut = true;
    const { payload, ...meta } = await env.invoke(invoke, frame.body.toString('utf8'), initError);
    pool.give(env);
    const answer: InvocationResultMeta = { ...meta, idleWarm: pool.idleCount(spec.key) };
    send(encodeFrame(FrameType.Result, frame.id, JSON.stringify(answer), payload));
    // A cold start took a spare sandbox: make another now that its answer is on its way.
    if (meta.coldStart) spares.refill(spec.memoryMb);
  };

  // Service calls go to the front process, which holds the credentials, policies and stores.
  const calls = new Map<number, { env: ExecutionEnvironment; id: number }>();
  let nextCallId = 1;
  setCallSink((env, id, call) => {
    const callId = nextCallId++;
    if (nextCallId > 0xfffffff0) nextCallId = 1;
    calls.set(callId, { env, id });
    const meta: CallMeta = {
      service: call.service,
      op: call.op,
      functionName: env.spec.functionName,
      functionArn: env.spec.functionArn,
      requestId: call.requestId,
      deadlineMs: call.deadlineMs,
    };
    send(encodeFrame(FrameType.Call, callId, JSON.stringify(meta), call.input));
  });

  socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      if (frame.type === FrameType.Invoke) void run(frame);
      else if (frame.type === FrameType.Retire)
        pool.retire((JSON.parse(frame.meta) as { functionName: string }).functionName);
      else if (frame.type === FrameType.CallResult) {
        const c = calls.get(frame.id);
        if (!c) continue;
        calls.delete(frame.id);
        const { ok } = JSON.parse(frame.meta) as { ok: boolean };
        c.env.answer(c.id, ok, frame.body.toString('utf8'));
      } else if (frame.type === FrameType.Stats)
        send(encodeFrame(FrameType.Stats, frame.id, JSON.stringify(pool.stats())));
    }
  });
  // The front process is gone (or stopping us): nothing left to serve. The executor holds no state
  // worth flushing, and a normal exit can deadlock while an isolate thread waits for a host
  // callback on this thread, so it ends at once.
  const exit = () => {
    process.kill(process.pid, 'SIGKILL');
  };
  socket.on('end', exit);
  socket.on('error', exit);
  process.on('SIGTERM', () => undefined); // the front decides when executors stop (it closes the socket)
  process.on('SIGINT', () => undefined);
}
