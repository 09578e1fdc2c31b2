import { afterEach, describe, expect, it, vi } from 'vitest';
import { DutyCycle } from './duty-cycle';

describe('DutyCycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(state: { busy: boolean; contended: boolean }) {
    vi.useFakeTimers();
    const signals: string[] = [];
    const cycle = new DutyCycle({
      pid: () => 42,
      busy: () => state.busy,
      contended: () => state.contended,
      periodMs: 100,
      runShare: 0.25,
      signal: (pid, signal) => signals.push(`${signal} ${pid}`),
    });
    return { cycle, signals };
  }

  it('stops the process for 75 ms of every 100 while others want the CPU', () => {
    const { cycle, signals } = setup({ busy: true, contended: true });
    cycle.start();
    vi.advanceTimersByTime(100);
    expect(signals).toEqual(['SIGSTOP 42']);
    vi.advanceTimersByTime(74);
    expect(signals).toEqual(['SIGSTOP 42']);
    vi.advanceTimersByTime(1);
    expect(signals).toEqual(['SIGSTOP 42', 'SIGCONT 42']);
    // The next period: stopped at 200 ms, continued at 275 ms.
    vi.advanceTimersByTime(100);
    expect(signals).toEqual(['SIGSTOP 42', 'SIGCONT 42', 'SIGSTOP 42', 'SIGCONT 42']);
    cycle.stop();
  });

  it('lets the process run when nobody else has work, and ends once it has none', () => {
    const state = { busy: true, contended: false };
    const { cycle, signals } = setup(state);
    cycle.start();
    vi.advanceTimersByTime(500);
    expect(signals).toEqual([]);
    state.contended = true;
    vi.advanceTimersByTime(100);
    expect(signals).toEqual(['SIGSTOP 42']);
    state.busy = false;
    vi.advanceTimersByTime(100);
    // Out of work mid-stop: continued at once, and no more stops.
    expect(signals).toEqual(['SIGSTOP 42', 'SIGCONT 42']);
    state.busy = true;
    vi.advanceTimersByTime(1000);
    expect(signals).toHaveLength(2);
  });

  it('continues a stopped process when stopped itself (before its socket is closed)', () => {
    const { cycle, signals } = setup({ busy: true, contended: true });
    cycle.start();
    vi.advanceTimersByTime(110);
    cycle.stop();
    expect(signals).toEqual(['SIGSTOP 42', 'SIGCONT 42']);
    vi.advanceTimersByTime(1000);
    expect(signals).toHaveLength(2);
  });
});
