import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Tells whether a database file may have been written since the last look, by this process or
 * another one sharing the data dir (the CLI), from the kernel's file notifications rather than a
 * read per question. A cache asks `changed()` before trusting what it holds; most of the time the
 * answer is no and costs nothing.
 *
 * The answer is also yes at least every `maxAgeMs`, and always when the directory cannot be
 * watched (the caller then reads every time, as it would without this).
 */
export class FileChangeWatch {
  private dirty = true;
  private lastYes = 0;
  private watcher: FSWatcher | undefined;

  constructor(
    file: string,
    private readonly maxAgeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    const prefix = basename(file);
    try {
      // The directory, not the file: SQLite writes `<file>-wal` and may recreate it.
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || name.startsWith(prefix)) this.dirty = true;
      });
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = undefined;
    }
  }

  /** Whether the file may have changed since the previous call that answered yes. */
  changed(): boolean {
    const now = this.now();
    if (this.watcher && !this.dirty && now - this.lastYes < this.maxAgeMs) return false;
    this.dirty = false;
    this.lastYes = now;
    return true;
  }

  /** Marks the file as changed (a write made through this process). */
  touch(): void {
    this.dirty = true;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
