import { describe, expect, it } from 'vitest';
import { WarmRouting } from './warm-routing';

const always = () => true;
const idleOf = (warm: WarmRouting<string>, key: string) => warm.find(key, always, () => 0);

describe('WarmRouting', () => {
  it('finds the executor holding a free idle environment', () => {
    const warm = new WarmRouting<string>(10);
    expect(idleOf(warm, 'f')).toBeUndefined();
    warm.sent('f', 'b');
    warm.answered('f', 'b', 2);
    expect(idleOf(warm, 'f')).toBe('b');
    expect(idleOf(warm, 'g')).toBeUndefined();
  });

  it('counts unanswered calls against the reported idle environments', () => {
    const warm = new WarmRouting<string>(10);
    warm.sent('f', 'b');
    warm.answered('f', 'b', 1);
    // Two calls go out; the first answer was computed before the second call arrived there.
    warm.sent('f', 'b');
    expect(idleOf(warm, 'f')).toBeUndefined();
    warm.sent('f', 'b');
    warm.answered('f', 'b', 1);
    // One call is still out: it may take that one idle environment.
    expect(idleOf(warm, 'f')).toBeUndefined();
    warm.answered('f', 'b', 2);
    expect(idleOf(warm, 'f')).toBe('b');
  });

  it('a failed call frees its slot and keeps the last report', () => {
    const warm = new WarmRouting<string>(10);
    warm.sent('f', 'a');
    warm.answered('f', 'a', 1);
    warm.sent('f', 'a');
    warm.answered('f', 'a', undefined);
    expect(idleOf(warm, 'f')).toBe('a');
  });

  it('prefers the least busy holder and skips executors that cannot be used', () => {
    const warm = new WarmRouting<string>(10);
    const load: Record<string, number> = { a: 5, b: 1 };
    for (const e of ['a', 'b']) {
      warm.sent('f', e);
      warm.answered('f', e, 1);
    }
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
    for (const key of ['f1', 'f2']) {
      warm.sent(key, 'a');
      warm.answered(key, 'a', 1);
    }
    idleOf(warm, 'f1');
    warm.sent('f3', 'a');
    warm.answered('f3', 'a', 1);
    expect(idleOf(warm, 'f2')).toBeUndefined();
    expect(idleOf(warm, 'f1')).toBe('a');
  });
});
