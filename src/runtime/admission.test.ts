import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '../errors';
import { Admission } from './admission';

describe('Admission', () => {
  it('throttles unreserved functions at the account limit minus reservations', () => {
    const a = new Admission(3);
    a.setReserved('r', 1);
    const r1 = a.acquire('x');
    a.acquire('y');
    expect(() => a.acquire('x')).toThrowError(TooManyRequestsError);
    r1();
    r1(); // a second release is a no-op
    expect(a.acquire('z')).toBeTypeOf('function');
    expect(() => a.acquire('z')).toThrow(/Rate Exceeded/);
  });

  it('keeps a reserved function within its reservation, even when the account has room', () => {
    const a = new Admission(100);
    a.setReserved('r', 2);
    a.acquire('r');
    a.acquire('r');
    try {
      a.acquire('r');
      expect.unreachable();
    } catch (e) {
      expect((e as TooManyRequestsError).fields.Reason).toBe(
        'ReservedFunctionConcurrentInvocationLimitExceeded',
      );
      expect((e as TooManyRequestsError).status).toBe(429);
    }
    expect(a.concurrency('r')).toBe(2);
  });

  it('treats reserved concurrency 0 as "function disabled"', () => {
    const a = new Admission(10);
    a.setReserved('off', 0);
    expect(() => a.acquire('off')).toThrowError(TooManyRequestsError);
    a.setReserved('off', undefined);
    expect(a.acquire('off')).toBeTypeOf('function');
  });
});
