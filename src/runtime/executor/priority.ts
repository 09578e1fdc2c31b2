import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers this process to OS niceness `nice`: every thread that exists now (Linux keeps a niceness
 * per thread: V8's and libuv's helpers started with the process), and so every thread they start
 * later, which inherits its creator's. Called before any isolate exists.
 */
export function lowerPriority(nice: number): void {
  setPriority(nice);
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return; // not Linux: the main thread's priority is what the OS offers
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // the thread ended meanwhile
    }
  }
}
