import { describe, expect, it } from 'vitest';
import { splitEvents } from './logs';

describe('splitting an invocation log into events', () => {
  it('makes each console call and platform line one event, keeping multi-line messages whole', () => {
    const text = [
      'START RequestId: r1 Version: $LATEST',
      '2026-01-02T03:04:05.678Z\tr1\tINFO\tline one',
      'continued',
      '2026-01-02T03:04:05.700Z\tr1\tERROR\toops',
      'END RequestId: r1',
      'REPORT RequestId: r1\tDuration: 1.00 ms',
      '',
    ].join('\n');
    const events = splitEvents({ text, firstMs: 1000, lastMs: 2000 });
    expect(events).toEqual([
      { timestamp: 1000, message: 'START RequestId: r1 Version: $LATEST\n' },
      {
        timestamp: Date.parse('2026-01-02T03:04:05.678Z'),
        message: '2026-01-02T03:04:05.678Z\tr1\tINFO\tline one\ncontinued\n',
      },
      {
        timestamp: Date.parse('2026-01-02T03:04:05.700Z'),
        message: '2026-01-02T03:04:05.700Z\tr1\tERROR\toops\n',
      },
      { timestamp: 2000, message: 'END RequestId: r1\n' },
      { timestamp: 2000, message: 'REPORT RequestId: r1\tDuration: 1.00 ms\n' },
    ]);
  });

  it('never stamps START after the first console line', () => {
    const text = 'START RequestId: r Version: $LATEST\n2026-01-02T03:04:05.000Z\tr\tINFO\tearly\n';
    const at = Date.parse('2026-01-02T03:04:05.000Z');
    expect(splitEvents({ text, firstMs: at + 3, lastMs: at + 5 })[0]).toEqual({
      timestamp: at,
      message: 'START RequestId: r Version: $LATEST\n',
    });
  });

  it('keeps text before any recognised line as its own event', () => {
    expect(splitEvents({ text: 'stray\n', firstMs: 5, lastMs: 9 })).toEqual([
      { timestamp: 9, message: 'stray\n' },
    ]);
  });
});
