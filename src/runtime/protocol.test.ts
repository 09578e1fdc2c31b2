import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from './protocol';

describe('frames', () => {
  it('round-trip whole, split at every byte, and batched', () => {
    const a = encodeFrame(1, 7, '{"x":1}', Buffer.from('héllo'));
    const b = encodeFrame(2, 4294967295, '', '');
    const all = Buffer.concat([a, b]);
    for (let cut = 0; cut <= all.length; cut++) {
      const r = new FrameReader();
      const frames = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      expect(frames.map((f) => [f.type, f.id, f.meta, f.body.toString()])).toEqual([
        [1, 7, '{"x":1}', 'héllo'],
        [2, 4294967295, '', ''],
      ]);
    }
  });
});

describe('large frames', () => {
  it('arrive whole from many small chunks, with the next frame behind them', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const all = Buffer.concat([encodeFrame(1, 1, '{}', big), encodeFrame(2, 2, 'm', 'tail')]);
    const r = new FrameReader();
    const frames = [];
    for (let i = 0; i < all.length; i += 1000) frames.push(...r.push(all.subarray(i, i + 1000)));
    expect(frames.map((f) => [f.type, f.id, f.body.length])).toEqual([
      [1, 1, big.length],
      [2, 2, 4],
    ]);
    expect(frames[0]!.body.equals(big)).toBe(true);
  });
});
