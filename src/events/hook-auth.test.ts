import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHookAuth, isLoopback } from './hook-auth';

describe('storage webhook authentication', () => {
  const body = Buffer.from('{"Records":[]}');
  it('accepts the bearer token or an HMAC of the body, and nothing else', () => {
    const hmac = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(checkHookAuth('s3cret', { authorization: 'Bearer s3cret' }, body, '10.0.0.9')).toBe('ok');
    expect(checkHookAuth('s3cret', { signature: `sha256=${hmac}` }, body, '10.0.0.9')).toBe('ok');
    expect(checkHookAuth('s3cret', { authorization: 'Bearer wrong' }, body, '127.0.0.1')).toBe('invalid');
    expect(checkHookAuth('s3cret', { signature: `sha256=${hmac}` }, Buffer.from('{}'), '127.0.0.1')).toBe(
      'invalid',
    );
    expect(checkHookAuth('s3cret', {}, body, '127.0.0.1')).toBe('missing');
  });
  it('without a token accepts loopback senders only', () => {
    expect(checkHookAuth(undefined, {}, body, '127.0.0.1')).toBe('ok');
    expect(checkHookAuth(undefined, {}, body, '::ffff:127.0.0.1')).toBe('ok');
    expect(checkHookAuth(undefined, {}, body, '192.168.1.5')).toBe('invalid');
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback(undefined)).toBe(false);
  });
});
