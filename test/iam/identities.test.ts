import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IamError, Identities } from '../../src/control/identities';
import { openDatabase } from '../../src/store/db';
import { IamStore } from '../../src/store/iam-store';
import { loadSecret } from '../../src/store/secret';

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const allowAll = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

let dir: string;
let db: DatabaseSync;
let store: IamStore;
let ids: Identities;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'islet-iam-'));
  db = openDatabase(dir);
  store = new IamStore(db, loadSecret(dir), '123456789012');
  ids = new Identities(store);
});
afterEach(() => {
  store.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function iamError(fn: () => unknown): IamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IamError) return e;
    throw e;
  }
  throw new Error('expected an IamError');
}

describe('roles', () => {
  it('creates roles with ARNs in the account, ids and paths', () => {
    const role = ids.createRole({ RoleName: 'app', AssumeRolePolicyDocument: trust, Description: 'the app' });
    expect(role).toMatchObject({
      name: 'app',
      path: '/',
      arn: 'arn:aws:iam::123456789012:role/app',
      description: 'the app',
      maxSessionSeconds: 3600,
      assumeRolePolicy: trust,
    });
    expect(role.roleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const nested = ids.createRole({ RoleName: 'svc', AssumeRolePolicyDocument: trust, Path: '/team/a/' });
    expect(nested.arn).toBe('arn:aws:iam::123456789012:role/team/a/svc');
    expect(ids.listRoles({ pathPrefix: '/team/' }).items.map((r) => r.name)).toEqual(['svc']);
  });

  it('treats names as case-insensitive, like IAM', () => {
    ids.createRole({ RoleName: 'App', AssumeRolePolicyDocument: trust });
    const e = iamError(() => ids.createRole({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
    expect([e.code, e.status, e.message]).toEqual([
      'EntityAlreadyExists',
      409,
      'Role with name app already exists.',
    ]);
    expect(ids.getRole('APP').name).toBe('App');
  });

  it('validates names, paths, descriptions and session durations with IAM messages', () => {
    expect(iamError(() => ids.createRole({ AssumeRolePolicyDocument: trust })).message).toBe(
      "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
    );
    expect(iamError(() => ids.createRole({ RoleName: 'a b', AssumeRolePolicyDocument: trust })).message).toBe(
      "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    expect(
      iamError(() => ids.createRole({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: trust })).message,
    ).toMatch(/Member must have length less than or equal to 64$/);
    expect(
      iamError(() => ids.createRole({ RoleName: 'p', AssumeRolePolicyDocument: trust, Path: 'nope' })).code,
    ).toBe('ValidationError');
    expect(
      iamError(() =>
        ids.createRole({ RoleName: 'd', AssumeRolePolicyDocument: trust, Description: 'x\u0001' }),
      ).code,
    ).toBe('ValidationError');
    expect(
      iamError(() =>
        ids.createRole({ RoleName: 's', AssumeRolePolicyDocument: trust, MaxSessionDuration: '60' }),
      ).message,
    ).toBe(
      "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    );
  });

  it('refuses a malformed or oversized trust policy', () => {
    const e = iamError(() =>
      ids.createRole({
        RoleName: 'r',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Principal: '*' },
        }),
      }),
    );
    expect([e.code, e.status, e.message]).toEqual([
      'MalformedPolicyDocument',
      400,
      'Has prohibited field Resource.',
    ]);
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: Array(60).fill('arn:aws:iam::123456789012:root') },
      },
    });
    const limit = iamError(() => ids.createRole({ RoleName: 'r', AssumeRolePolicyDocument: big }));
    expect([limit.code, limit.status, limit.message]).toEqual([
      'LimitExceeded',
      409,
      'Cannot exceed quota for ACLSizePerRole: 2048',
    ]);
  });

  it('keeps inline policies; deleting a role with policies is a conflict', () => {
    ids.createRole({ RoleName: 'r', AssumeRolePolicyDocument: trust });
    ids.putPolicy('role', 'r', 'all', allowAll);
    ids.putPolicy('role', 'r', 'all', allowAll); // replace, not duplicate
    expect(ids.listPolicies('role', 'r').items).toEqual(['all']);
    expect(ids.getPolicy('role', 'r', 'all')).toEqual({ name: 'all', document: allowAll, ownerName: 'r' });
    const conflict = iamError(() => ids.deleteRole('r'));
    expect([conflict.code, conflict.status, conflict.message]).toEqual([
      'DeleteConflict',
      409,
      'Cannot delete entity, must delete policies first.',
    ]);
    ids.deletePolicy('role', 'r', 'all');
    expect(iamError(() => ids.getPolicy('role', 'r', 'all')).message).toBe(
      'The role policy with name all cannot be found.',
    );
    ids.deleteRole('r');
    const gone = iamError(() => ids.getRole('r'));
    expect([gone.code, gone.status, gone.message]).toEqual([
      'NoSuchEntity',
      404,
      'The role with name r cannot be found.',
    ]);
  });

  it('caps the inline policies of a role at 10,240 characters without whitespace', () => {
    ids.createRole({ RoleName: 'r', AssumeRolePolicyDocument: trust });
    const statement = (i: number) => ({
      Effect: 'Allow',
      Action: `s3:GetObject${i}`,
      Resource: `arn:aws:s3:::bucket-${i}/*`,
    });
    const policy = (from: number, n: number) =>
      JSON.stringify(
        { Version: '2012-10-17', Statement: Array.from({ length: n }, (_, i) => statement(from + i)) },
        null,
        4, // whitespace does not count
      );
    ids.putPolicy('role', 'r', 'a', policy(0, 70));
    const e = iamError(() => ids.putPolicy('role', 'r', 'b', policy(100, 70)));
    expect([e.code, e.status, e.message]).toEqual([
      'LimitExceeded',
      409,
      'Maximum policy size of 10240 bytes exceeded for role r',
    ]);
    expect(ids.listPolicies('role', 'r').items).toEqual(['a']);
  });

  it('pages lists with Marker and MaxItems', () => {
    for (const n of ['c', 'a', 'b']) ids.createRole({ RoleName: n, AssumeRolePolicyDocument: trust });
    const first = ids.listRoles({ maxItems: '2' });
    expect(first.items.map((r) => r.name)).toEqual(['a', 'b']);
    expect(first.marker).toBe('b');
    const second = ids.listRoles({ maxItems: 2, marker: first.marker });
    expect(second).toMatchObject({ items: [{ name: 'c' }], marker: undefined });
    expect(iamError(() => ids.listRoles({ maxItems: '0' })).code).toBe('ValidationError');
    expect(iamError(() => ids.listRoles({ maxItems: 'many' })).code).toBe('ValidationError');
  });
});

describe('users and access keys', () => {
  it('creates keys with the AWS shapes and keeps secrets sealed at rest', () => {
    const user = ids.createUser({ UserName: 'ann' });
    expect(user.arn).toBe('arn:aws:iam::123456789012:user/ann');
    const key = ids.createAccessKey('ann');
    expect(key.id).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secret).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(store.secretFor(key.id)).toEqual({
      secret: key.secret,
      userName: 'ann',
      userArn: 'arn:aws:iam::123456789012:user/ann',
      active: true,
    });
    expect(store.secretFor('AKIAUNKNOWN000000000')).toBeUndefined();
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(readFileSync(join(dir, 'islet.db')).includes(Buffer.from(key.secret))).toBe(false);
  });

  it('deactivates, lists and deletes keys; two per user at most', () => {
    ids.createUser({ UserName: 'ann' });
    ids.createUser({ UserName: 'bob' });
    const k1 = ids.createAccessKey('ann');
    const k2 = ids.createAccessKey('ann');
    const third = iamError(() => ids.createAccessKey('ann'));
    expect([third.code, third.status, third.message]).toEqual([
      'LimitExceeded',
      409,
      'Cannot exceed quota for AccessKeysPerUser: 2',
    ]);
    ids.updateAccessKey('ann', k1.id, 'Inactive');
    expect(store.secretFor(k1.id)?.active).toBe(false);
    expect(ids.listAccessKeys('ann').items.map((k) => [k.id, k.status])).toEqual([
      [k1.id, 'Inactive'],
      [k2.id, 'Active'],
    ]);
    // A key is found only under its own user.
    expect(iamError(() => ids.deleteAccessKey('bob', k1.id)).message).toBe(
      `The Access Key with id ${k1.id} cannot be found.`,
    );
    expect(iamError(() => ids.updateAccessKey('ann', k1.id, 'Paused')).code).toBe('ValidationError');
    const conflict = iamError(() => ids.deleteUser('ann'));
    expect([conflict.code, conflict.message]).toEqual([
      'DeleteConflict',
      'Cannot delete entity, must delete access keys first.',
    ]);
    ids.deleteAccessKey('ann', k1.id);
    ids.deleteAccessKey(undefined, k2.id);
    ids.putPolicy('user', 'ann', 'p', allowAll);
    expect(iamError(() => ids.deleteUser('ann')).message).toBe(
      'Cannot delete entity, must delete policies first.',
    );
    ids.deletePolicy('user', 'ann', 'p');
    ids.deleteUser('ann');
    expect(iamError(() => ids.getUser('ann')).message).toBe('The user with name ann cannot be found.');
  });

  it('caps user inline policies at 2,048 characters', () => {
    ids.createUser({ UserName: 'ann' });
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: Array(100).fill('arn:aws:s3:::bucket/*') },
      ],
    });
    expect(iamError(() => ids.putPolicy('user', 'ann', 'p', big)).message).toBe(
      'Maximum policy size of 2048 bytes exceeded for user ann',
    );
  });

  it('a key whose sealed secret is tampered with fails loudly', () => {
    ids.createUser({ UserName: 'ann' });
    const key = ids.createAccessKey('ann');
    const other = new IamStore(db, Buffer.alloc(32, 7), '123456789012');
    expect(() => other.secretFor(key.id)).toThrow(/cannot be decrypted/);
  });

  it('bumps the generation on every change and only then', async () => {
    const g0 = store.generation();
    ids.createUser({ UserName: 'ann' });
    const g1 = store.generation();
    expect(g1).toBeGreaterThan(g0);
    expect(() => ids.createUser({ UserName: 'ann' })).toThrow();
    ids.getUser('ann');
    expect(store.generation()).toBe(g1);
    // Another connection to the same data dir sees the change.
    const second = openDatabase(dir);
    const secondStore = new IamStore(second, loadSecret(dir), '123456789012');
    new Identities(secondStore).putPolicy('user', 'ann', 'p', allowAll);
    secondStore.close();
    second.close();
    // The first store learns of it from the file notification, within a few event-loop turns
    // (well before its one-second fallback read).
    const seenAt = Date.now();
    while (store.generation() === g1 && Date.now() - seenAt < 300) await new Promise((r) => setTimeout(r, 5));
    expect(store.generation()).toBeGreaterThan(g1);
    expect(ids.listPolicies('user', 'ann').items).toEqual(['p']);
  });
});
