import { TooManyRequestsError } from '../errors';

/**
 * Concurrency admission, exact because every invocation passes through the front process.
 * Functions with reserved concurrency use only their reservation; all others share what is left
 * of the account limit (Lambda's "unreserved account concurrency").
 */
export class Admission {
  private unreservedInUse = 0;
  private readonly inUse = new Map<string, number>();
  private reservedTotal = 0;
  private readonly reserved = new Map<string, number>();

  /** @param accountLimit most concurrent executions across all functions */
  constructor(readonly accountLimit: number) {}

  /** Records a function's reserved concurrency (undefined removes the reservation). */
  setReserved(functionName: string, value: number | undefined): void {
    this.reservedTotal -= this.reserved.get(functionName) ?? 0;
    if (value === undefined) this.reserved.delete(functionName);
    else {
      this.reserved.set(functionName, value);
      this.reservedTotal += value;
    }
  }

  /** Concurrency left for functions without a reservation. */
  get unreservedLimit(): number {
    return this.accountLimit - this.reservedTotal;
  }

  /** Reserved concurrency of every other function, summed. */
  reservedExcept(functionName: string): number {
    return this.reservedTotal - (this.reserved.get(functionName) ?? 0);
  }

  /** Concurrent executions of one function right now. */
  concurrency(functionName: string): number {
    return this.inUse.get(functionName) ?? 0;
  }

  /** Executions in progress across the account. */
  get total(): number {
    let n = 0;
    for (const v of this.inUse.values()) n += v;
    return n;
  }

  /** Takes a slot or throws TooManyRequestsError; returns the function that gives it back (once). */
  acquire(functionName: string): () => void {
    const reserved = this.reserved.get(functionName);
    const current = this.inUse.get(functionName) ?? 0;
    if (reserved !== undefined) {
      if (current >= reserved) {
        throw new TooManyRequestsError('Rate Exceeded.', 'ReservedFunctionConcurrentInvocationLimitExceeded');
      }
    } else {
      if (this.unreservedInUse >= this.unreservedLimit) {
        throw new TooManyRequestsError('Rate Exceeded.', 'ConcurrentInvocationLimitExceeded');
      }
      this.unreservedInUse++;
    }
    this.inUse.set(functionName, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.inUse.get(functionName) ?? 1) - 1;
      if (n <= 0) this.inUse.delete(functionName);
      else this.inUse.set(functionName, n);
      if (reserved === undefined) this.unreservedInUse--;
    };
  }
}
