import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router';

describe('routes', () => {
  it('reads every page from the hash and writes it back', () => {
    for (const hash of [
      '#/functions',
      '#/create',
      '#/functions/my-fn/code',
      '#/functions/my-fn/test',
      '#/functions/my-fn/triggers',
      '#/monitoring',
      '#/dead-letters',
      '#/billing',
    ])
      expect(href(parseRoute(hash))).toBe(hash);
  });

  it('defaults to the function list and the code tab; unknown paths are not found', () => {
    expect(parseRoute('')).toEqual({ view: 'functions' });
    expect(parseRoute('#/functions/f')).toEqual({ view: 'function', name: 'f', tab: 'code' });
    expect(parseRoute('#/functions/f/nope')).toEqual({ view: 'not-found', path: '/functions/f/nope' });
    expect(parseRoute('#/elsewhere')).toEqual({ view: 'not-found', path: '/elsewhere' });
  });
});
