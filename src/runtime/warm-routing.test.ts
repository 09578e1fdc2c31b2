import { describe, expect, it } from 'vitest';
import { WarmRouting } from './warm-routing';

const always = () => true;

describe('WarmRouting', () => {
  it('finds the executor holding an idle environment, until the calls sent there use them up', () => {
    const warm = new WarmRouting<string>(10);
    const load = { a: 0, b: 0 };
    const busy = (e: string) => load[e as 'a' | 'b'];
    expect(warm.find('f', always, busy)).toBeUndefined();
    warm.reported('f', 'b', 2);
    expect(warm.find('f', always, busy)).toBe('b');
    warm.sent('f', 'b');
    expect(warm.find('f', always, busy)).toBe('b');
    warm.sent('f', 'b');
    expect(warm.find('f', always, busy)).toBeUndefined();
    warm.reported('f', 'b', 1);
    expect(warm.find('g', always, busy)).toBeUndefined();
    expect(warm.find('f', always, busy)).toBe('b');
  });

  it('prefers the least busy holder and skips executors that cannot be used', () => {
    const warm = new WarmRouting<string>(10);
    const load: Record<string, number> = { a: 5, b: 1 };
    warm.reported('f', 'a', 1);
    warm.reported('f', 'b', 1);
    expect(warm.find('f', always, (e) => load[e])).toBe('b');
    expect(
      warm.find(
        'f',
        (e) => e !== 'b',
        (e) => load[e],
      ),
    ).toBe('a');
    warm.forget('a');
    expect(
      warm.find(
        'f',
        (e) => e !== 'b',
        (e) => load[e],
      ),
    ).toBeUndefined();
  });

  it('remembers a bounded number of versions, least recently invoked forgotten first', () => {
    const warm = new WarmRouting<string>(2);
    warm.reported('f1', 'a', 1);
    warm.reported('f2', 'a', 1);
    warm.find('f1', always, () => 0);
    warm.reported('f3', 'a', 1);
    expect(warm.find('f2', always, () => 0)).toBeUndefined();
    expect(warm.find('f1', always, () => 0)).toBe('a');
  });
});
