import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { extractArchive, inspectArchive } from './code-archive';
import { writeFileAtomic } from './fs-atomic';

/** A stored deployment package. */
export interface StoredCode {
  /** Hex SHA-256 of the zip: the package's name in the store. */
  sha256Hex: string;
  /** Base64 SHA-256, as Lambda reports CodeSha256. */
  sha256Base64: string;
  /** Zip size in bytes (CodeSize). */
  size: number;
}

/**
 * Content-addressed code: `code/<sha256>.zip` (the upload, written atomically) and
 * `code/<sha256>/` (its unpacked tree, renamed into place only when complete). A function record
 * refers to a package only after both exist, so a crash never leaves a function pointing at
 * half-written code.
 */
export class CodeStore {
  private readonly root: string;
  private readonly writing = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'code');
    mkdirSync(this.root, { recursive: true });
  }

  /** Validates and stores a zip (idempotent for identical bytes). Throws InvalidParameterValueError for bad archives. */
  async put(zip: Buffer): Promise<StoredCode> {
    const digest = createHash('sha256').update(zip).digest();
    const hex = digest.toString('hex');
    const stored = { sha256Hex: hex, sha256Base64: digest.toString('base64'), size: zip.length };
    if (existsSync(this.zipPath(hex)) && existsSync(this.dirFor(hex))) return stored;
    // Concurrent uploads of the same package share one write.
    let writing = this.writing.get(hex);
    if (!writing) {
      writing = this.write(zip, hex).finally(() => this.writing.delete(hex));
      this.writing.set(hex, writing);
    }
    await writing;
    return stored;
  }

  private async write(zip: Buffer, hex: string): Promise<void> {
    await inspectArchive(zip);
    if (!existsSync(this.zipPath(hex))) writeFileAtomic(this.zipPath(hex), zip);
    if (!existsSync(this.dirFor(hex))) await extractArchive(zip, this.dirFor(hex));
  }

  /** Unpacked directory of a package; re-extracts it from the zip if a crash lost it. */
  async ensureUnpacked(hex: string): Promise<string> {
    const dir = this.dirFor(hex);
    if (!existsSync(dir)) await extractArchive(readFileSync(this.zipPath(hex)), dir);
    return dir;
  }

  dirFor(hex: string): string {
    return join(this.root, hex);
  }

  zipPath(hex: string): string {
    return join(this.root, `${hex}.zip`);
  }

  /** The zip bytes of a package, or undefined. */
  readZip(hex: string): Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
    const p = this.zipPath(hex);
    return existsSync(p) && statSync(p).isFile() ? readFileSync(p) : undefined;
  }

  /** Removes packages no function refers to and leftovers of interrupted writes (run at startup). */
  collect(referenced: Set<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.root)) {
      const hex = name.endsWith('.zip') ? name.slice(0, -4) : name;
      const leftover = name.startsWith('.');
      if (leftover || !referenced.has(hex)) {
        rmSync(join(this.root, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}
