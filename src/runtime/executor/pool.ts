import { LRUCache } from 'lru-cache';
import type { FunctionSpec } from '../invocation';
import type { ExecutionEnvironment } from './environment';

/** Caps of the warm-environment cache in one executor. */
export interface PoolOptions {
  /** Most idle environments kept warm. */
  maxEnvironments: number;
  /** Most bytes (heap + external) the idle environments may hold together. */
  memoryBudgetBytes: number;
}

/**
 * Idle (warm) execution environments, least recently used first out. An environment is taken
 * out while it runs an invocation and put back afterwards; whatever the cache drops is disposed.
 */
export class EnvironmentPool {
  private readonly idle: LRUCache<number, ExecutionEnvironment>;
  private readonly byKey = new Map<string, Set<number>>();

  constructor(options: PoolOptions) {
    this.idle = new LRUCache<number, ExecutionEnvironment>({
      max: options.maxEnvironments,
      maxSize: options.memoryBudgetBytes,
      sizeCalculation: (env) => Math.max(1, env.memoryBytes),
      dispose: (env, id) => {
        this.byKey.get(env.spec.key)?.delete(id);
        if (this.byKey.get(env.spec.key)?.size === 0) this.byKey.delete(env.spec.key);
        if (!env.checkedOut) env.dispose();
      },
    });
  }

  /** A warm environment for this function version, most recently used first, or undefined. */
  take(spec: FunctionSpec): ExecutionEnvironment | undefined {
    const ids = this.byKey.get(spec.key);
    if (!ids) return undefined;
    let chosen: ExecutionEnvironment | undefined;
    for (const id of ids) {
      const env = this.idle.peek(id);
      if (env?.healthy) chosen = env;
    }
    if (!chosen) return undefined;
    chosen.checkedOut = true;
    this.idle.delete(chosen.id);
    return chosen;
  }

  /** Idle environments of this function version. */
  idleCount(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  /** Returns an environment after an invocation; broken ones are disposed. */
  give(env: ExecutionEnvironment): void {
    env.checkedOut = false;
    if (!env.healthy) {
      env.dispose();
      return;
    }
    let ids = this.byKey.get(env.spec.key);
    if (!ids) {
      ids = new Set();
      this.byKey.set(env.spec.key, ids);
    }
    ids.add(env.id);
    this.idle.set(env.id, env);
  }

  /** Disposes every idle environment of a function (after an update or delete). */
  retire(functionName: string): void {
    for (const [id, env] of this.idle.entries())
      if (env.spec.functionName === functionName) this.idle.delete(id);
  }

  /** Disposes everything. */
  clear(): void {
    this.idle.clear();
  }

  /** Number of idle environments and their memory in bytes. */
  stats(): { environments: number; memoryBytes: number } {
    return { environments: this.idle.size, memoryBytes: this.idle.calculatedSize };
  }
}
