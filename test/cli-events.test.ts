import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isletBin } from './helpers/server';

const islet = (...args: string[]) =>
  spawnSync(process.execPath, ['--no-node-snapshot', isletBin, ...args], { encoding: 'utf8' });

describe('islet events sample', () => {
  it('lists the sample types and prints each as JSON', () => {
    const list = islet('events', 'sample');
    expect(list.status).toBe(0);
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['s3-put', 's3-delete', 'kinesis', 'dynamodb-update', 'http', 'scheduled']);
    const kinesis = islet('events', 'sample', 'kinesis');
    expect(kinesis.status).toBe(0);
    expect(JSON.parse(kinesis.stdout).Records[0].eventSource).toBe('aws:kinesis');
  });

  it('exits 2 with the list of types for an unknown type', () => {
    const bad = islet('events', 'sample', 'sqs');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown event type 'sqs'; choose one of: s3-put, s3-delete");
    expect(bad.stdout).toBe('');
  });
});

describe('islet dead-letters', () => {
  it('lists a failed event and redrives it against a running server', async () => {
    const { startServer } = await import('./helpers/server');
    const { deploy } = await import('./helpers/functions');
    const { InvokeCommand, PutFunctionEventInvokeConfigCommand } = await import('@aws-sdk/client-lambda');
    const server = await startServer({ args: ['--executors', '1'] });
    try {
      const client = server.lambda();
      await deploy(client, 'doomed', {
        'index.js': 'exports.handler = async () => { throw new Error("nope"); };',
      });
      await client.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: 'doomed', MaximumRetryAttempts: 0 }),
      );
      const out = await client.send(
        new InvokeCommand({ FunctionName: 'doomed', InvocationType: 'Event', Payload: Buffer.from('{}') }),
      );
      const id = out.$metadata.requestId!;
      const run = (...a: string[]) =>
        new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
          const { spawn } = require('node:child_process') as typeof import('node:child_process');
          const p = spawn(process.execPath, ['--no-node-snapshot', isletBin, ...a, '--endpoint', server.url]);
          let stdout = '';
          let stderr = '';
          p.stdout.on('data', (d) => {
            stdout += d;
          });
          p.stderr.on('data', (d) => {
            stderr += d;
          });
          p.on('exit', (status) => resolve({ status, stdout, stderr }));
        });
      let listed = await run('dead-letters', 'list', '--function', 'doomed');
      for (let i = 0; i < 50 && !listed.stdout.includes(id); i++) {
        await new Promise((r) => setTimeout(r, 100));
        listed = await run('dead-letters', 'list', '--function', 'doomed');
      }
      expect(listed.status).toBe(0);
      expect(listed.stdout.split('\n')[0]).toMatch(
        /^EVENT ID\s+FUNCTION\s+ENQUEUED\s+TRIES\s+CONDITION\s+ERROR$/,
      );
      expect(listed.stdout).toContain(`${id}  doomed`);
      expect(listed.stdout).toContain('RetriesExhausted');
      const json = await run('dead-letters', 'list', '--json');
      expect(JSON.parse(json.stdout).map((d: { EventId: string }) => d.EventId)).toEqual([id]);
      const redriven = await run('dead-letters', 'redrive', id);
      expect(redriven.status).toBe(0);
      expect(redriven.stdout).toBe(`queued ${id} again\n`);
      const missing = await run('dead-letters', 'redrive', 'no-such-event');
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('ResourceNotFoundException: Dead letter not found: no-such-event');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});
