import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeWire, encodeWire } from './wire';

describe('service-call wire format (sandbox side)', () => {
  it('base64 matches Node for every tail length and round-trips', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const b64 = bytesToBase64(bytes);
      expect(b64).toBe(Buffer.from(bytes).toString('base64'));
      expect([...base64ToBytes(b64)]).toEqual([...bytes]);
    }
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 131) & 255);
    expect(bytesToBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });

  it('tags bytes and dates and leaves look-alikes with extra keys alone', () => {
    const when = new Date('2026-01-02T03:04:05.006Z');
    const text = encodeWire({
      b: new Uint8Array([1, 2]),
      d: when,
      f: () => 1,
      x: { '$islet:bytes': 'AQ==', y: 1 },
    });
    const back = decodeWire(text) as Record<string, any>;
    expect(back.b).toEqual(new Uint8Array([1, 2]));
    expect(back.d).toEqual(when);
    expect('f' in back).toBe(false);
    expect(back.x).toEqual({ '$islet:bytes': 'AQ==', y: 1 });
  });
});
