import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileChangeWatch } from './file-change-watch';

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('FileChangeWatch', () => {
  let dir: string;
  let clock: number;
  let watch: FileChangeWatch;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'islet-watch-'));
    writeFileSync(join(dir, 'islet.db'), 'x');
    clock = 0;
    watch = new FileChangeWatch(join(dir, 'islet.db'), 1000, () => clock);
  });
  afterEach(() => {
    watch.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says yes once, then no until the file or its -wal is written', async () => {
    expect(watch.changed()).toBe(true);
    await settle();
    expect(watch.changed()).toBe(false);
    writeFileSync(join(dir, 'other.db'), 'y');
    await settle();
    expect(watch.changed()).toBe(false);
    writeFileSync(join(dir, 'islet.db-wal'), 'z');
    await settle();
    expect(watch.changed()).toBe(true);
    expect(watch.changed()).toBe(false);
  });

  it('says yes after a write through this process and after maxAge without news', async () => {
    watch.changed();
    await settle();
    watch.touch();
    expect(watch.changed()).toBe(true);
    clock = 999;
    expect(watch.changed()).toBe(false);
    clock = 2000;
    expect(watch.changed()).toBe(true);
  });

  it('always says yes when the directory cannot be watched', () => {
    const blind = new FileChangeWatch(join(dir, 'missing', 'islet.db'), 1000, () => clock);
    expect(blind.changed()).toBe(true);
    expect(blind.changed()).toBe(true);
    blind.close();
  });
});
