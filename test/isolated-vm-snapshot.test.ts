import ivm from 'isolated-vm';
import { describe, expect, it } from 'vitest';

// islet does not use startup snapshots: spare sandboxes (src/runtime/executor/spare-pool.ts) take
// isolate creation off the cold-start path entirely. This checks the platform fact that decision
// rests on, so that a future switch to snapshots starts from a known state: on isolated-vm 7 a
// snapshot restores its heap correctly (older majors corrupted data).
describe('isolated-vm startup snapshots', () => {
  it('restore the snapshotted heap intact in every isolate made from them', async () => {
    const snapshot = ivm.Isolate.createSnapshot([
      {
        code: `
          const table = new Map(Array.from({ length: 1000 }, (_, i) => ['k' + i, { i, sq: i * i, s: 'v'.repeat(i % 17) }]));
          let counter = 0;
          globalThis.bump = () => ++counter;
          globalThis.check = () => {
            let sum = 0;
            for (const [k, v] of table) sum += v.sq + v.s.length + Number(k.slice(1) === String(v.i));
            return sum;
          };`,
      },
    ]);
    const expected = Array.from({ length: 1000 }, (_, i) => i * i + (i % 17) + 1).reduce((a, b) => a + b, 0);
    for (let n = 0; n < 20; n++) {
      const isolate = new ivm.Isolate({ snapshot, memoryLimit: 32 });
      const context = await isolate.createContext();
      expect(await context.eval('check()')).toBe(expected);
      expect(await context.eval('bump(); bump()')).toBe(2); // state is per isolate, from the snapshot
      isolate.dispose();
    }
  });
});
