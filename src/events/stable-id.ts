import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id derived from its parts: the same delivery always gets the same id, so the
 * durable queue recognises a repeat of it (a replayed notification, a tick re-queued after a
 * restart) and the function sees a request id that looks like any other.
 */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
