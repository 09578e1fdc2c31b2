import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isletBin } from '../helpers/server';

const execFileAsync = promisify(execFile);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'islet-cli-keys-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the islet CLI against the test's data dir; never rejects. */
async function islet(...args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [
      '--no-node-snapshot',
      isletBin,
      ...args,
      '--data',
      join(dir, 'data'),
    ]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const invokePolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }],
};

describe('islet keys', () => {
  it('creates a key (and its user) once, lists it, deletes it', async () => {
    const created = await islet('keys', 'create', 'ci', '--admin');
    expect(created.code).toBe(0);
    const id = /AWS_ACCESS_KEY_ID=(AKIA[A-Z2-7]{16})\n/.exec(created.stdout)?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=([A-Za-z0-9+/]{40})\n/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    expect(created.stdout).toContain('access key for user ci (arn:aws:iam::000000000000:user/ci)');
    expect(created.stdout).toContain('The secret is shown only now');

    const list = await islet('keys', 'list');
    expect(list.stdout.split('\n')[0]).toMatch(/^ACCESS KEY ID\s+USER\s+STATUS\s+CREATED$/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci\\s+Active\\s+\\d{4}-`, 'm'));
    expect(list.stdout).not.toContain(secret);
    const json = JSON.parse((await islet('keys', 'list', '--json')).stdout);
    expect(json).toEqual([
      { AccessKeyId: id, UserName: 'ci', Status: 'Active', CreateDate: expect.any(String) },
    ]);

    // The secret is stored sealed, never in clear, anywhere in the data dir.
    for (const name of readdirSync(join(dir, 'data'))) {
      expect(readFileSync(join(dir, 'data', name)).includes(Buffer.from(secret!))).toBe(false);
    }

    const deleted = await islet('keys', 'delete', id!);
    expect([deleted.code, deleted.stdout]).toEqual([0, `deleted access key ${id} (user ci)\n`]);
    expect((await islet('keys', 'list')).stdout).toBe(
      'no access keys (islet accepts any signature until one exists)\n',
    );
  });

  it('attaches a policy file, prints JSON, and caps keys at two per user', async () => {
    const policy = file('invoke.json', invokePolicy);
    const first = await islet('keys', 'create', 'app', '--policy', policy, '--json');
    expect(first.code).toBe(0);
    const key = JSON.parse(first.stdout);
    expect(key).toMatchObject({ UserName: 'app', Status: 'Active' });
    expect(key.AccessKeyId).toMatch(/^AKIA/);
    expect(key.SecretAccessKey).toHaveLength(40);
    expect((await islet('keys', 'create', 'app')).code).toBe(0);
    const third = await islet('keys', 'create', 'app');
    expect(third.code).toBe(1);
    expect(third.stderr).toBe(
      'islet: LimitExceeded: Cannot exceed quota for AccessKeysPerUser: 2 (a user has at most 2 keys: find one with islet keys list, remove it with islet keys delete KEYID)\n',
    );
  });

  it('warns when the user has no policy', async () => {
    const r = await islet('keys', 'create', 'bare');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('islet: note: user bare has no policy, so its requests will be denied');
  });

  it('fails with what to do next', async () => {
    const both = await islet('keys', 'create', 'x', '--admin', '--policy', 'p.json');
    expect([both.code, both.stderr]).toEqual([2, 'islet: choose --admin or --policy FILE, not both\n']);
    const badFile = await islet('keys', 'create', 'x', '--policy', join(dir, 'missing.json'));
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(/^islet: cannot read policy file .*missing.json: ENOENT/);
    const malformed = await islet('keys', 'create', 'x', '--policy', file('bad.json', { Statement: [] }));
    expect([malformed.code, malformed.stderr]).toEqual([
      2,
      `islet: ${join(dir, 'bad.json')} is not a valid IAM policy: Syntax errors in policy.\n`,
    ]);
    const badName = await islet('keys', 'create', 'no spaces');
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain("Value 'no spaces' at 'userName' failed to satisfy constraint");
    const unknown = await islet('keys', 'delete', 'AKIAAAAAAAAAAAAAAAAA');
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      'islet: no access key AKIAAAAAAAAAAAAAAAAA; islet keys list shows the keys there are\n',
    ]);
  });

  it('refuses to read a data dir that does not exist', async () => {
    const r = await islet('keys', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no islet data dir at ${join(dir, 'data')}; pass --data DIR`);
  });
});

describe('islet roles', () => {
  it('creates a role Lambda may assume, lists and deletes it with its policies', async () => {
    const created = await islet(
      'roles',
      'create',
      'orders',
      '--policy',
      file('invoke-orders.json', invokePolicy),
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created role orders\n  arn:aws:iam::000000000000:role/orders\n');
    const list = await islet('roles', 'list');
    expect(list.stdout).toMatch(/^NAME\s+ARN\s+POLICIES\s+CREATED\n/);
    expect(list.stdout).toMatch(/^orders\s+arn:aws:iam::000000000000:role\/orders\s+invoke-orders\s+\d{4}-/m);
    const json = JSON.parse((await islet('roles', 'list', '--json')).stdout);
    expect(json).toEqual([
      {
        RoleName: 'orders',
        Arn: 'arn:aws:iam::000000000000:role/orders',
        Policies: ['invoke-orders'],
        CreateDate: expect.any(String),
      },
    ]);
    const dup = await islet('roles', 'create', 'ORDERS', '--policy', file('p.json', invokePolicy));
    expect([dup.code, dup.stderr]).toEqual([
      1,
      'islet: EntityAlreadyExists: Role with name ORDERS already exists. (choose another name, or delete it first)\n',
    ]);
    const deleted = await islet('roles', 'delete', 'orders');
    expect(deleted.stdout).toBe('deleted role orders and its 1 inline policies\n');
    expect((await islet('roles', 'list')).stdout).toBe(
      'no roles (functions may call every service until one exists)\n',
    );
    const again = await islet('roles', 'delete', 'orders');
    expect([again.code, again.stderr]).toEqual([
      1,
      'islet: NoSuchEntity: The role with name orders cannot be found. (islet keys list and islet roles list show what exists)\n',
    ]);
  });

  it('takes a trust policy and refuses a malformed one before creating anything', async () => {
    const trust = file('trust.json', {
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    });
    const ok = await islet(
      'roles',
      'create',
      'r',
      '--policy',
      file('p.json', invokePolicy),
      '--trust',
      trust,
      '--json',
    );
    expect(JSON.parse(ok.stdout)).toEqual({ RoleName: 'r', Arn: 'arn:aws:iam::000000000000:role/r' });
    const badTrust = await islet(
      'roles',
      'create',
      's',
      '--policy',
      file('p.json', invokePolicy),
      '--trust',
      file('t.json', invokePolicy),
    );
    expect([badTrust.code, badTrust.stderr]).toEqual([
      2,
      `islet: ${join(dir, 't.json')} is not a valid IAM policy: Has prohibited field Resource.\n`,
    ]);
    const missingPolicy = await islet('roles', 'create', 's');
    expect(missingPolicy.code).not.toBe(0);
    expect(missingPolicy.stderr).toContain("required option '--policy <file>' not specified");
    expect(
      JSON.parse((await islet('roles', 'list', '--json')).stdout).map(
        (r: { RoleName: string }) => r.RoleName,
      ),
    ).toEqual(['r']);
  });
});
