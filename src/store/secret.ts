import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './fs-atomic';

/** The data dir's signing secret (for Code.Location URLs), created on first start. */
export function loadSecret(dataDir: string): Buffer {
  const path = join(dataDir, 'secret');
  if (existsSync(path)) {
    const s = readFileSync(path);
    if (s.length >= 32) return s;
  }
  const secret = randomBytes(32);
  writeFileAtomic(path, secret);
  return secret;
}
