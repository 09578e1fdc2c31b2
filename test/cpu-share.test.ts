import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

/**
 * CPU share: a function that spins into its timeout (or burns a second of CPU) moves to the
 * background executor, whose threads run at the lowest OS priority, so it cannot take the CPU
 * from well-behaved functions. Observed through /proc: the niceness of islet's child processes.
 */
let server: TestServer;

/** Niceness of each child process of islet's front process (field 19 of /proc/PID/stat). */
function childNiceness(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === server.pid) out.set(Number(entry), Number(fields[16]));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Niceness of every thread of a process. */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(
    server.lambda(),
    'spinner',
    { 'index.js': 'exports.handler = async () => { for (;;) {} };' },
    { Timeout: 2 },
  );
  await deploy(server.lambda(), 'polite', { 'index.js': 'exports.handler = async (e) => e;' });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

describe.skipIf(process.platform !== 'linux')('CPU share', () => {
  it('moves a function that spins into its timeout to the lowest-priority executor', async () => {
    expect([...childNiceness().values()].every((n) => n === 0)).toBe(true);
    const first = await invoke(server.lambda(), 'spinner');
    expect(first.payload.errorType).toBe('Sandbox.Timedout');
    // The next call runs on the background executor, started for it at niceness 19.
    const second = await invoke(server.lambda(), 'spinner');
    expect(second.payload.errorType).toBe('Sandbox.Timedout');
    const background = [...childNiceness()].filter(([, nice]) => nice === 19).map(([pid]) => pid);
    expect(background).toHaveLength(1);
    // Every thread of it, the isolate threads that ran the loop included, runs at that priority.
    expect(new Set(threadNiceness(background[0]!))).toEqual(new Set([19]));
    // Well-behaved functions stay on the normal executors.
    expect((await invoke(server.lambda(), 'polite', { ok: 1 })).payload).toEqual({ ok: 1 });
    expect([...childNiceness().values()].filter((n) => n === 19)).toHaveLength(1);
  });

  it('stops the background executor for most of each 100 ms while other functions have work', async () => {
    const background = [...childNiceness()].filter(([, nice]) => nice === 19).map(([pid]) => pid);
    expect(background).toHaveLength(1);
    const state = () => {
      const stat = readFileSync(`/proc/${background[0]}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    };
    const lambda = server.lambda();
    // The previous test's last call was a neighbour's: let the duty cycle see that it is over.
    await new Promise((r) => setTimeout(r, 300));
    // Alone, the spinner is never stopped (its Timeout is 2 s: both phases fit in it).
    const spinning = invoke(lambda, 'spinner');
    const alone: string[] = [];
    for (let i = 0; i < 25; i++) {
      alone.push(state());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(alone).not.toContain('T');
    // With a neighbour's calls in flight, it is stopped (state T) most of the time.
    const seen: string[] = [];
    let polite = 0;
    const neighbour = (async () => {
      while (seen.length < 25) {
        await invoke(lambda, 'polite', { n: polite++ });
      }
    })();
    while (seen.length < 25) {
      seen.push(state());
      await new Promise((r) => setTimeout(r, 10));
    }
    await neighbour;
    expect((await spinning).payload.errorType).toBe('Sandbox.Timedout');
    // 75% of the time in theory; samples land late on a loaded machine.
    expect(seen.filter((s) => s === 'T').length).toBeGreaterThan(6);
    expect(state()).not.toBe('T');
  });
});
