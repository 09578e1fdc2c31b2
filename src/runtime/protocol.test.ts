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
