import { execSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer } from './helpers/server';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('executors after the front process is killed', () => {
  it('exit on their own, even with an invocation running (no orphans after kill -9)', async () => {
    const server = await startServer({ args: ['--executors', '2'] });
    try {
      const client = server.lambda();
      await deploy(
        client,
        'slow',
        { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 5000)); };' },
        { Timeout: 10 },
      );
      await deploy(client, 'quick', {
        'index.js': 'exports.handler = async () => { console.log("x"); return 1; };',
      });
      expect((await invoke(client, 'quick')).payload).toBe(1);
      const executors = execSync(`ps -o pid= --ppid ${server.pid}`, { encoding: 'utf8' })
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter(Boolean);
      expect(executors.length).toBe(3); // two executors and the standby
      void invoke(client, 'slow').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await server.kill9();
      const end = Date.now() + 5000;
      while (executors.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(executors.filter(alive)).toEqual([]);
    } finally {
      server.cleanup();
    }
  });
});
