import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { isletBin, startServer } from '../helpers/server';
import { createKey, lambdaAs } from './api-auth-helpers';

// Local mode and the bind address: no keys means open, but only on loopback unless --insecure.

const freshDir = () => mkdtempSync(join(tmpdir(), 'islet-bind-'));

describe('islet serve beyond loopback', () => {
  it('refuses --host 0.0.0.0 without access keys and without --insecure (exit code 2, says what to do)', async () => {
    const dataDir = freshDir();
    try {
      const started = startServer({ dataDir, args: ['--host', '0.0.0.0', '--executors', '1'] });
      await expect(started).rejects.toThrow(/exited with 2 before listening/);
      const message = await started.catch((e: Error) => e.message);
      expect(message).toContain('refusing to listen on 0.0.0.0 without authentication');
      expect(message).toContain('islet keys create NAME --admin');
      expect(message).toContain('--insecure');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('with --insecure it serves the API open', async () => {
    const server = await startServer({ args: ['--host', '0.0.0.0', '--insecure', '--executors', '1'] });
    try {
      const res = await fetch(`${server.url}/2015-03-31/functions`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  it('with a key it starts, and stays closed even after the last key is deleted', async () => {
    const dataDir = freshDir();
    const key = await createKey(dataDir, 'ops', '--admin');
    const server = await startServer({ dataDir, args: ['--host', '0.0.0.0', '--executors', '1'] });
    try {
      await lambdaAs(server.url, key).send(new ListFunctionsCommand({}));
      expect((await fetch(`${server.url}/2015-03-31/functions`)).status).toBe(403);
      await promisify(execFile)(process.execPath, [
        '--no-node-snapshot',
        isletBin,
        'keys',
        'delete',
        key.id,
        '--data',
        dataDir,
      ]);
      const res = await fetch(`${server.url}/2015-03-31/functions`);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-ErrorType')).toBe('MissingAuthenticationTokenException');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});

describe('loopback', () => {
  it('is open without keys, and enforces from the first key on, created while it runs', async () => {
    const server = await startServer({ args: ['--executors', '1'] });
    try {
      const before = await fetch(`${server.url}/2015-03-31/functions`);
      expect(before.status).toBe(200);
      await before.arrayBuffer();
      const key = await createKey(server.dataDir, 'late', '--admin');
      const after = await fetch(`${server.url}/2015-03-31/functions`);
      expect(after.status).toBe(403);
      await after.arrayBuffer();
      await lambdaAs(server.url, key).send(new ListFunctionsCommand({}));
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
