/**
 * Baseline servers: plain Node.js implementations of each scenario's work, run in a child process
 * like islet so both sides pay the same process and network costs.
 */
import path from 'node:path';
import { freePort, makeTempDir, REPO_ROOT, startServerProcess } from './process.mjs';

/** Starts bench/baselines/hono-server.mjs on a free port. */
export async function startHonoBaseline() {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = await startServerProcess({
    name: 'hono baseline',
    script: path.join(REPO_ROOT, 'bench', 'baselines', 'hono-server.mjs'),
    args: [String(port)],
    readyUrl: `${baseUrl}/health`,
    workDir: makeTempDir('islet-bench-hono-'),
  });
  return { ...server, baseUrl };
}
