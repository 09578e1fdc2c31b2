import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { zipSync } from 'fflate';
import { limits } from '../limits';

/** Folders never packaged from a source directory. */
const skipped = new Set(['.git', '.islet', '.DS_Store']);

/**
 * The deployment package for `path`: a .zip file as it is, or a directory zipped with its
 * node_modules (symlinks are refused, as Lambda's packaging would not follow them safely).
 */
export function packageCode(path: string): { zip: Uint8Array; files: number; sourceBytes: number } {
  const full = resolve(path);
  const st = statSync(full);
  if (st.isFile()) {
    if (!full.endsWith('.zip')) throw new Error(`${path} is a file but not a .zip`);
    const zip = readFileSync(full);
    return { zip, files: 0, sourceBytes: zip.length };
  }
  if (!st.isDirectory()) throw new Error(`${path} is neither a directory nor a .zip file`);
  const entries: Record<string, Uint8Array> = {};
  let files = 0;
  let sourceBytes = 0;
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (skipped.has(d.name)) continue;
      const p = join(dir, d.name);
      if (d.isSymbolicLink())
        throw new Error(`${relative(full, p)} is a symbolic link; islet packages only regular files`);
      if (d.isDirectory()) walk(p);
      else if (d.isFile()) {
        const data = readFileSync(p);
        sourceBytes += data.length;
        if (sourceBytes > limits.maxUnzippedCodeBytes) {
          throw new Error(
            `${path} holds more than ${limits.maxUnzippedCodeBytes} bytes (Lambda's unzipped limit)`,
          );
        }
        entries[relative(full, p).split(sep).join('/')] = data;
        files++;
      }
    }
  };
  walk(full);
  if (files === 0) throw new Error(`${basename(full)} has no files to deploy`);
  return { zip: zipSync(entries, { level: 6 }), files, sourceBytes };
}
