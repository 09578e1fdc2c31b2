import { readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Where the code appears inside the sandbox (Lambda's LAMBDA_TASK_ROOT). */
export const taskRoot = '/var/task';

/**
 * Read-only view of one function's unpacked code, addressed by sandbox paths under /var/task.
 * Paths are normalised and confined to the code directory; the archive was checked for symlinks
 * when it was stored, so nothing under the directory points outside it.
 */
export class DiskCodeTree {
  private readonly kinds = new Map<string, 'file' | 'dir' | undefined>();

  constructor(private readonly dir: string) {}

  private hostPath(path: string): string | undefined {
    const p = posix.normalize(path);
    if (p !== taskRoot && !p.startsWith(`${taskRoot}/`)) return undefined;
    if (p.includes('\0')) return undefined;
    return join(this.dir, p.slice(taskRoot.length));
  }

  kind(path: string): 'file' | 'dir' | undefined {
    if (this.kinds.has(path)) return this.kinds.get(path);
    const host = this.hostPath(path);
    let kind: 'file' | 'dir' | undefined;
    if (host) {
      const st = statSync(host, { throwIfNoEntry: false });
      kind = st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : undefined;
    }
    this.kinds.set(path, kind);
    return kind;
  }

  readText(path: string): string | undefined {
    if (this.kind(path) !== 'file') return undefined;
    return readFileSync(this.hostPath(path)!, 'utf8');
  }
}
