import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { roleArn, userArn } from '../arns';
import { FileChangeWatch } from './file-change-watch';

/** An IAM role as stored. */
export interface RoleRecord {
  name: string;
  /** `/` or `/a/b/`. */
  path: string;
  /** IAM's unique id, `AROA...`. */
  roleId: string;
  /** The trust (assume-role) policy, as given. */
  assumeRolePolicy: string;
  description: string;
  maxSessionSeconds: number;
  /** Epoch ms. */
  createdAt: number;
}

/** An IAM user as stored. */
export interface UserRecord {
  name: string;
  path: string;
  /** IAM's unique id, `AIDA...`. */
  userId: string;
  /** Epoch ms. */
  createdAt: number;
}

/** An access key without its secret. */
export interface AccessKeyRecord {
  id: string;
  userName: string;
  status: 'Active' | 'Inactive';
  /** Epoch ms. */
  createdAt: number;
}

/** What a request signed with an access key needs to be verified and authorised. */
export interface AccessKeySecret {
  secret: string;
  userName: string;
  userArn: string;
  active: boolean;
}

/** An inline policy of a role or a user. */
export interface InlinePolicy {
  name: string;
  document: string;
}

type Owner = 'role' | 'user';

/**
 * Durable IAM entities: roles, users, their inline policies and access keys. Secrets of access
 * keys are sealed with AES-256-GCM under a key derived from the data dir's secret, bound to the
 * key id. Every change bumps a generation counter in the same transaction, so caches in any
 * process sharing the data dir can tell when to drop what they hold.
 */
export class IamStore {
  private readonly sealKey: Buffer;
  private readonly stmt: Record<string, StatementSync>;
  /** Says when the database file was written, so `generation()` is not a read per request. */
  private readonly changes: FileChangeWatch | undefined;
  private cachedGeneration = -1;

  constructor(
    private readonly db: DatabaseSync,
    dataDirSecret: Buffer,
    private readonly accountId: string,
  ) {
    this.sealKey = Buffer.from(
      hkdfSync('sha256', dataDirSecret, Buffer.alloc(0), 'islet iam access keys', 32),
    );
    const file = db.location();
    this.changes = file ? new FileChangeWatch(file) : undefined;
    const prepare = (sql: string) => db.prepare(sql);
    this.stmt = {
      generation: prepare('SELECT value FROM iam_generation WHERE id = 1'),
      bump: prepare('UPDATE iam_generation SET value = value + 1 WHERE id = 1'),
      roleCount: prepare('SELECT count(*) AS n FROM iam_roles'),
      getRole: prepare('SELECT * FROM iam_roles WHERE name = ?'),
      listRoles: prepare(
        'SELECT * FROM iam_roles WHERE name > ? AND substr(path, 1, length(?)) = ? ORDER BY name LIMIT ?',
      ),
      insertRole: prepare(
        `INSERT INTO iam_roles (name, path, role_id, assume_role_policy, description, max_session_seconds, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      updateTrust: prepare('UPDATE iam_roles SET assume_role_policy = ? WHERE name = ?'),
      deleteRole: prepare(
        'DELETE FROM iam_roles WHERE name = ? AND NOT EXISTS (SELECT 1 FROM iam_role_policies WHERE role_name = ?)',
      ),
      userCount: prepare('SELECT count(*) AS n FROM iam_users'),
      getUser: prepare('SELECT * FROM iam_users WHERE name = ?'),
      listUsers: prepare(
        'SELECT * FROM iam_users WHERE name > ? AND substr(path, 1, length(?)) = ? ORDER BY name LIMIT ?',
      ),
      insertUser: prepare(
        'INSERT INTO iam_users (name, path, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      deleteUser: prepare(
        `DELETE FROM iam_users WHERE name = ?
         AND NOT EXISTS (SELECT 1 FROM iam_user_policies WHERE user_name = ?)
         AND NOT EXISTS (SELECT 1 FROM iam_access_keys WHERE user_name = ?)`,
      ),
      insertKey: prepare(
        `INSERT INTO iam_access_keys (id, user_name, sealed_secret, status, created_at)
         SELECT ?, name, ?, 'Active', ? FROM iam_users WHERE name = ?`,
      ),
      getKey: prepare('SELECT * FROM iam_access_keys WHERE id = ?'),
      listKeys: prepare(
        `SELECT * FROM iam_access_keys WHERE user_name = ?
         AND rowid > coalesce((SELECT rowid FROM iam_access_keys WHERE id = ?), 0) ORDER BY rowid LIMIT ?`,
      ),
      listAllKeys: prepare('SELECT * FROM iam_access_keys ORDER BY user_name, rowid'),
      keyCount: prepare('SELECT count(*) AS n FROM iam_access_keys WHERE user_name = ?'),
      keyStatus: prepare('UPDATE iam_access_keys SET status = ? WHERE id = ?'),
      deleteKey: prepare('DELETE FROM iam_access_keys WHERE id = ?'),
    };
    for (const owner of ['role', 'user'] as const) {
      const table = `iam_${owner}_policies`;
      const col = `${owner}_name`;
      this.stmt[`${owner}Policies`] = prepare(
        `SELECT policy_name AS name, document FROM ${table} WHERE ${col} = ? ORDER BY policy_name`,
      );
      this.stmt[`${owner}Policy`] = prepare(
        `SELECT policy_name AS name, document FROM ${table} WHERE ${col} = ? AND policy_name = ?`,
      );
      this.stmt[`${owner}PutPolicy`] = prepare(
        `INSERT INTO ${table} (${col}, policy_name, document) SELECT name, ?, ? FROM iam_${owner}s WHERE name = ?
         ON CONFLICT (${col}, policy_name) DO UPDATE SET document = excluded.document`,
      );
      this.stmt[`${owner}DeletePolicy`] = prepare(
        `DELETE FROM ${table} WHERE ${col} = ? AND policy_name = ?`,
      );
    }
  }

  /** Changes so far to IAM data, by any process: compare to tell whether a cache is stale. */
  generation(): number {
    if (!this.changes || this.changes.changed())
      this.cachedGeneration = (this.stmt.generation.get() as { value: number }).value;
    return this.cachedGeneration;
  }

  /** Stops watching the database file (the connection itself belongs to the caller). */
  close(): void {
    this.changes?.close();
  }

  roleArn(role: Pick<RoleRecord, 'name' | 'path'>): string {
    return roleArn(this.accountId, role.path, role.name);
  }

  userArn(user: Pick<UserRecord, 'name' | 'path'>): string {
    return userArn(this.accountId, user.path, user.name);
  }

  roleCount(): number {
    return (this.stmt.roleCount.get() as { n: number }).n;
  }

  getRole(name: string): RoleRecord | undefined {
    const row = this.stmt.getRole.get(name) as Record<string, any> | undefined;
    return row ? roleOf(row) : undefined;
  }

  /** Roles by name after `marker` (exclusive) whose path starts with `pathPrefix`. */
  listRoles(marker: string, limit: number, pathPrefix = '/'): RoleRecord[] {
    return (this.stmt.listRoles.all(marker, pathPrefix, pathPrefix, limit) as Array<Record<string, any>>).map(
      roleOf,
    );
  }

  /** false if a role of that name (in any case) exists. */
  insertRole(r: RoleRecord): boolean {
    return this.write(
      () =>
        Number(
          this.stmt.insertRole.run(
            r.name,
            r.path,
            r.roleId,
            r.assumeRolePolicy,
            r.description,
            r.maxSessionSeconds,
            r.createdAt,
          ).changes,
        ) === 1,
    );
  }

  /** false if the role does not exist. */
  updateAssumeRolePolicy(name: string, document: string): boolean {
    return this.write(() => Number(this.stmt.updateTrust.run(document, name).changes) === 1);
  }

  /** Deletes a role that has no inline policies; false if it is missing or still has some. */
  deleteRole(name: string): boolean {
    return this.write(() => Number(this.stmt.deleteRole.run(name, name).changes) === 1);
  }

  userCount(): number {
    return (this.stmt.userCount.get() as { n: number }).n;
  }

  getUser(name: string): UserRecord | undefined {
    const row = this.stmt.getUser.get(name) as Record<string, any> | undefined;
    return row ? userOf(row) : undefined;
  }

  listUsers(marker: string, limit: number, pathPrefix = '/'): UserRecord[] {
    return (this.stmt.listUsers.all(marker, pathPrefix, pathPrefix, limit) as Array<Record<string, any>>).map(
      userOf,
    );
  }

  insertUser(u: UserRecord): boolean {
    return this.write(
      () => Number(this.stmt.insertUser.run(u.name, u.path, u.userId, u.createdAt).changes) === 1,
    );
  }

  /** Deletes a user without inline policies or access keys; false otherwise or if missing. */
  deleteUser(name: string): boolean {
    return this.write(() => Number(this.stmt.deleteUser.run(name, name, name).changes) === 1);
  }

  /** Inline policies of a role or user, by name. */
  policies(owner: Owner, ownerName: string): InlinePolicy[] {
    return this.stmt[`${owner}Policies`].all(ownerName) as unknown as InlinePolicy[];
  }

  policy(owner: Owner, ownerName: string, policyName: string): InlinePolicy | undefined {
    return this.stmt[`${owner}Policy`].get(ownerName, policyName) as InlinePolicy | undefined;
  }

  /** Creates or replaces an inline policy; false if the role or user does not exist. */
  putPolicy(owner: Owner, ownerName: string, policyName: string, document: string): boolean {
    return this.write(
      () => Number(this.stmt[`${owner}PutPolicy`].run(policyName, document, ownerName).changes) === 1,
    );
  }

  deletePolicy(owner: Owner, ownerName: string, policyName: string): boolean {
    return this.write(
      () => Number(this.stmt[`${owner}DeletePolicy`].run(ownerName, policyName).changes) === 1,
    );
  }

  accessKeyCount(userName: string): number {
    return (this.stmt.keyCount.get(userName) as { n: number }).n;
  }

  /** Stores a new Active key for an existing user; false if the user does not exist. */
  insertAccessKey(id: string, userName: string, secret: string, createdAt: number): boolean {
    return this.write(
      () => Number(this.stmt.insertKey.run(id, this.seal(id, secret), createdAt, userName).changes) === 1,
    );
  }

  getAccessKey(id: string): AccessKeyRecord | undefined {
    const row = this.stmt.getKey.get(id) as Record<string, any> | undefined;
    return row ? keyOf(row) : undefined;
  }

  /** A user's keys, oldest first, after the key `marker`; all users' keys without a user. */
  listAccessKeys(userName: string | undefined, marker = '', limit = 1000): AccessKeyRecord[] {
    const rows =
      userName === undefined ? this.stmt.listAllKeys.all() : this.stmt.listKeys.all(userName, marker, limit);
    return (rows as Array<Record<string, any>>).map(keyOf);
  }

  setAccessKeyStatus(id: string, status: 'Active' | 'Inactive'): boolean {
    return this.write(() => Number(this.stmt.keyStatus.run(status, id).changes) === 1);
  }

  deleteAccessKey(id: string): boolean {
    return this.write(() => Number(this.stmt.deleteKey.run(id).changes) === 1);
  }

  /** The secret of an access key with its user, or undefined for an unknown key. */
  secretFor(accessKeyId: string): AccessKeySecret | undefined {
    const row = this.stmt.getKey.get(accessKeyId) as Record<string, any> | undefined;
    if (!row) return undefined;
    const user = this.getUser(row.user_name);
    if (!user) return undefined;
    return {
      secret: this.unseal(accessKeyId, row.sealed_secret),
      userName: user.name,
      userArn: this.userArn(user),
      active: row.status === 'Active',
    };
  }

  /** Runs one change as a transaction that also bumps the generation when it changed anything. */
  private write(change: () => boolean): boolean {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const changed = change();
      if (changed) this.stmt.bump.run();
      this.db.exec('COMMIT');
      if (changed) this.changes?.touch();
      return changed;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private seal(id: string, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(id));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  private unseal(id: string, sealed: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        `the secret of access key ${id} cannot be decrypted: the data dir's secret file is not the one it was created with`,
      );
    }
  }
}

function roleOf(row: Record<string, any>): RoleRecord {
  return {
    name: row.name,
    path: row.path,
    roleId: row.role_id,
    assumeRolePolicy: row.assume_role_policy,
    description: row.description,
    maxSessionSeconds: row.max_session_seconds,
    createdAt: row.created_at,
  };
}

function userOf(row: Record<string, any>): UserRecord {
  return { name: row.name, path: row.path, userId: row.user_id, createdAt: row.created_at };
}

function keyOf(row: Record<string, any>): AccessKeyRecord {
  return { id: row.id, userName: row.user_name, status: row.status, createdAt: row.created_at };
}
