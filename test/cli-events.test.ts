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
