import { spawn } from 'node:child_process';
import { isletBin } from './server';

/**
 * Runs the islet CLI without blocking this process (a server under test shares its event loop),
 * resolving with its exit status and output.
 */
export function islet(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return isletWith({}, ...args);
}

/** islet() with extra environment variables (e.g. credentials). */
export function isletWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--no-node-snapshot', isletBin, ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
