import { randomBytes, randomInt } from 'node:crypto';
import type { AccessKeyRecord, IamStore, InlinePolicy, RoleRecord, UserRecord } from '../store/iam-store';
import { MalformedPolicyDocumentError, type PolicyKind, parsePolicy } from './iam-policy';
import { pageAfter } from './paging';

/** An IAM error: `code` is the error code of IAM's query API, `status` its HTTP status. */
export class IamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

/** IAM's quotas and field limits (IAM's defaults), declared once. */
export const iamLimits = {
  /** Role and user names: IAM's pattern, 1 to 64 characters. */
  entityNamePattern: /^[\w+=,.@-]+$/,
  maxEntityNameChars: 64,
  /** Inline policy names, 1 to 128 characters. */
  maxPolicyNameChars: 128,
  /** Paths: `/` or `/segments/`, at most 512 characters. */
  pathPattern: /^(\/|\/[\u0021-\u007e]+\/)$/,
  maxPathChars: 512,
  /** Role descriptions, at most 1000 characters. */
  descriptionPattern: /^[\t\n\r\u0020-\u007e\u00a1-\u00ff]*$/,
  maxDescriptionChars: 1000,
  /** A policy document parameter, in characters. */
  maxPolicyDocumentChars: 131_072,
  /** Inline policies of one role together, in characters without whitespace. */
  maxRolePoliciesChars: 10_240,
  /** Inline policies of one user together, in characters without whitespace. */
  maxUserPoliciesChars: 2_048,
  /** A role's trust policy, in characters without whitespace. */
  maxTrustPolicyChars: 2_048,
  /** MaxSessionDuration range in seconds, default 3600. */
  minSessionSeconds: 3600,
  maxSessionSeconds: 43_200,
  rolesPerAccount: 1000,
  usersPerAccount: 5000,
  accessKeysPerUser: 2,
  /** MaxItems of list operations: default 100, at most 1000. */
  defaultListItems: 100,
  maxListItems: 1000,
} as const;

/** A role as the API shows it. */
export interface Role extends RoleRecord {
  arn: string;
}

/** A user as the API shows it. */
export interface User extends UserRecord {
  arn: string;
}

/** A new access key: the only time its secret is shown. */
export interface NewAccessKey extends AccessKeyRecord {
  secret: string;
}

/** One page of a list. */
export interface Page<T> {
  items: T[];
  /** Where the next page starts, when there is one. */
  marker?: string;
}

/** Paging input of list operations, as strings from the query API. */
export interface PageInput {
  marker?: string;
  maxItems?: string | number;
  pathPrefix?: string;
}

function invalid(field: string, value: unknown, constraint: string): never {
  const shown = value === undefined || value === null ? 'null' : `'${String(value).slice(0, 200)}'`;
  throw new IamError(
    'ValidationError',
    `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
    400,
  );
}

function required(field: string, value: unknown): string {
  if (value === undefined || value === null) invalid(field, value, 'Member must not be null');
  if (typeof value !== 'string') invalid(field, value, 'Member must be a string');
  return value;
}

function lengthIn(field: string, value: string, min: number, max: number): string {
  if (value.length < min) invalid(field, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) invalid(field, value, `Member must have length less than or equal to ${max}`);
  return value;
}

function entityName(field: 'roleName' | 'userName', value: unknown): string {
  const name = lengthIn(field, required(field, value), 1, iamLimits.maxEntityNameChars);
  if (!iamLimits.entityNamePattern.test(name))
    invalid(field, name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return name;
}

function policyName(value: unknown): string {
  const name = lengthIn('policyName', required('policyName', value), 1, iamLimits.maxPolicyNameChars);
  if (!iamLimits.entityNamePattern.test(name))
    invalid('policyName', name, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  return name;
}

function path(field: 'path' | 'pathPrefix', value: unknown): string {
  if (value === undefined) return '/';
  const p = lengthIn(field, required(field, value), 1, iamLimits.maxPathChars);
  const ok = field === 'path' ? iamLimits.pathPattern.test(p) : /^\/[\u0021-\u007f]*$/.test(p);
  if (!ok) {
    invalid(
      field,
      p,
      `Member must satisfy regular expression pattern: ${field === 'path' ? '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' : '\\u002F[\\u0021-\\u007F]*'}`,
    );
  }
  return p;
}

/** Characters IAM counts against policy size quotas: whitespace outside strings is free. */
function policySize(document: string): number {
  return JSON.stringify(JSON.parse(document)).length;
}

/** Parses and validates a policy document parameter; MalformedPolicyDocument with IAM's message. */
function policyDocument(field: string, value: unknown, kind: PolicyKind): string {
  const text = lengthIn(field, required(field, value), 1, iamLimits.maxPolicyDocumentChars);
  try {
    parsePolicy(text, kind);
  } catch (e) {
    if (e instanceof MalformedPolicyDocumentError)
      throw new IamError('MalformedPolicyDocument', e.message, 400);
    throw e;
  }
  return text;
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || String(value).trim() === '') invalid(field, value, 'Member must be an integer');
  if (n < min) invalid(field, value, `Member must have value greater than or equal to ${min}`);
  if (n > max) invalid(field, value, `Member must have value less than or equal to ${max}`);
  return n;
}

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** IAM-style unique id: a 4-letter prefix and random upper-case base32 characters. */
function uniqueId(prefix: string, length: number): string {
  let id = prefix;
  while (id.length < length) id += idAlphabet[randomInt(idAlphabet.length)];
  return id;
}

function notFound(what: string): never {
  throw new IamError('NoSuchEntity', what, 404);
}

/**
 * IAM's business rules over the IAM store: validation with IAM's patterns, lengths and
 * messages, quotas, conflicts and ARNs in the configured account. Used by the query API and the
 * CLI alike.
 */
export class Identities {
  constructor(private readonly store: IamStore) {}

  // ---- roles

  createRole(input: {
    RoleName?: unknown;
    AssumeRolePolicyDocument?: unknown;
    Path?: unknown;
    Description?: unknown;
    MaxSessionDuration?: unknown;
  }): Role {
    const name = entityName('roleName', input.RoleName);
    const rolePath = path('path', input.Path);
    const trust = policyDocument('assumeRolePolicyDocument', input.AssumeRolePolicyDocument, 'trust');
    if (policySize(trust) > iamLimits.maxTrustPolicyChars) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for ACLSizePerRole: ${iamLimits.maxTrustPolicyChars}`,
        409,
      );
    }
    let description = '';
    if (input.Description !== undefined) {
      description = lengthIn(
        'description',
        required('description', input.Description),
        0,
        iamLimits.maxDescriptionChars,
      );
      if (!iamLimits.descriptionPattern.test(description)) {
        invalid(
          'description',
          description,
          'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
        );
      }
    }
    const maxSessionSeconds =
      input.MaxSessionDuration === undefined
        ? iamLimits.minSessionSeconds
        : integerIn(
            'maxSessionDuration',
            input.MaxSessionDuration,
            iamLimits.minSessionSeconds,
            iamLimits.maxSessionSeconds,
          );
    if (this.store.getRole(name))
      throw new IamError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
    if (this.store.roleCount() >= iamLimits.rolesPerAccount) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for RolesPerAccount: ${iamLimits.rolesPerAccount}`,
        409,
      );
    }
    const record: RoleRecord = {
      name,
      path: rolePath,
      roleId: uniqueId('AROA', 21),
      assumeRolePolicy: trust,
      description,
      maxSessionSeconds,
      createdAt: Date.now(),
    };
    if (!this.store.insertRole(record))
      throw new IamError('EntityAlreadyExists', `Role with name ${name} already exists.`, 409);
    return this.role(record);
  }

  getRole(name: unknown): Role {
    return this.role(this.findRole(name));
  }

  listRoles(input: PageInput): Page<Role> {
    const prefix = path('pathPrefix', input.pathPrefix);
    return this.page(
      input,
      (marker, limit) => this.store.listRoles(marker, limit, prefix),
      (r) => r.name,
      (r) => this.role(r),
    );
  }

  deleteRole(name: unknown): void {
    const role = this.findRole(name);
    if (this.store.policies('role', role.name).length > 0) {
      throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    }
    if (!this.store.deleteRole(role.name)) {
      // Changed between the check and the delete (another process): say which.
      if (this.store.getRole(role.name))
        throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
      notFound(`The role with name ${role.name} cannot be found.`);
    }
  }

  updateAssumeRolePolicy(name: unknown, document: unknown): void {
    const role = this.findRole(name);
    const trust = policyDocument('policyDocument', document, 'trust');
    if (policySize(trust) > iamLimits.maxTrustPolicyChars) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for ACLSizePerRole: ${iamLimits.maxTrustPolicyChars}`,
        409,
      );
    }
    if (!this.store.updateAssumeRolePolicy(role.name, trust))
      notFound(`The role with name ${role.name} cannot be found.`);
  }

  // ---- inline policies of roles and users

  putPolicy(owner: 'role' | 'user', ownerName: unknown, name: unknown, document: unknown): void {
    const entity = owner === 'role' ? this.findRole(ownerName) : this.findUser(ownerName);
    const policy = policyName(name);
    const text = policyDocument('policyDocument', document, 'identity');
    const quota = owner === 'role' ? iamLimits.maxRolePoliciesChars : iamLimits.maxUserPoliciesChars;
    const others = this.store.policies(owner, entity.name).filter((p) => p.name !== policy);
    const total = others.reduce((n, p) => n + policySize(p.document), policySize(text));
    if (total > quota) {
      throw new IamError(
        'LimitExceeded',
        `Maximum policy size of ${quota} bytes exceeded for ${owner} ${entity.name}`,
        409,
      );
    }
    if (!this.store.putPolicy(owner, entity.name, policy, text)) this.missingOwner(owner, entity.name);
  }

  getPolicy(owner: 'role' | 'user', ownerName: unknown, name: unknown): InlinePolicy & { ownerName: string } {
    const entity = owner === 'role' ? this.findRole(ownerName) : this.findUser(ownerName);
    const wanted = policyName(name);
    const policy = this.store.policy(owner, entity.name, wanted);
    if (!policy) notFound(`The ${owner} policy with name ${wanted} cannot be found.`);
    return { ...policy, ownerName: entity.name };
  }

  listPolicies(owner: 'role' | 'user', ownerName: unknown, input: PageInput = {}): Page<string> {
    const entity = owner === 'role' ? this.findRole(ownerName) : this.findUser(ownerName);
    const all = this.store.policies(owner, entity.name).map((p) => p.name);
    return this.page(
      input,
      (marker, limit) => all.filter((n) => n > marker).slice(0, limit),
      (n) => n,
      (n) => n,
    );
  }

  deletePolicy(owner: 'role' | 'user', ownerName: unknown, name: unknown): void {
    const entity = owner === 'role' ? this.findRole(ownerName) : this.findUser(ownerName);
    const policy = policyName(name);
    if (!this.store.deletePolicy(owner, entity.name, policy))
      notFound(`The ${owner} policy with name ${policy} cannot be found.`);
  }

  /** Inline policy documents of a role (for the execution-role authorizer). */
  rolePolicyDocuments(roleName: string): InlinePolicy[] {
    return this.store.policies('role', roleName);
  }

  // ---- users

  createUser(input: { UserName?: unknown; Path?: unknown }): User {
    const name = entityName('userName', input.UserName);
    const userPath = path('path', input.Path);
    if (this.store.getUser(name))
      throw new IamError('EntityAlreadyExists', `User with name ${name} already exists.`, 409);
    if (this.store.userCount() >= iamLimits.usersPerAccount) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for UsersPerAccount: ${iamLimits.usersPerAccount}`,
        409,
      );
    }
    const record: UserRecord = { name, path: userPath, userId: uniqueId('AIDA', 21), createdAt: Date.now() };
    if (!this.store.insertUser(record))
      throw new IamError('EntityAlreadyExists', `User with name ${name} already exists.`, 409);
    return this.user(record);
  }

  getUser(name: unknown): User {
    return this.user(this.findUser(name));
  }

  /** The user, or undefined when there is none of that name (the name must still be valid). */
  findUserIfAny(name: unknown): User | undefined {
    const u = this.store.getUser(entityName('userName', name));
    return u ? this.user(u) : undefined;
  }

  listUsers(input: PageInput): Page<User> {
    const prefix = path('pathPrefix', input.pathPrefix);
    return this.page(
      input,
      (marker, limit) => this.store.listUsers(marker, limit, prefix),
      (u) => u.name,
      (u) => this.user(u),
    );
  }

  deleteUser(name: unknown): void {
    const user = this.findUser(name);
    const conflict = () => {
      if (this.store.accessKeyCount(user.name) > 0)
        throw new IamError('DeleteConflict', 'Cannot delete entity, must delete access keys first.', 409);
      if (this.store.policies('user', user.name).length > 0)
        throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    };
    conflict();
    if (!this.store.deleteUser(user.name)) {
      conflict();
      notFound(`The user with name ${user.name} cannot be found.`);
    }
  }

  // ---- access keys

  /** A new Active key for a user: `AKIA` and 16 characters, a 40-character secret. */
  createAccessKey(userName: unknown): NewAccessKey {
    const user = this.findUser(userName);
    if (this.store.accessKeyCount(user.name) >= iamLimits.accessKeysPerUser) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for AccessKeysPerUser: ${iamLimits.accessKeysPerUser}`,
        409,
      );
    }
    const id = uniqueId('AKIA', 20);
    const secret = randomBytes(30).toString('base64');
    const createdAt = Date.now();
    if (!this.store.insertAccessKey(id, user.name, secret, createdAt)) this.missingOwner('user', user.name);
    return { id, userName: user.name, status: 'Active', createdAt, secret };
  }

  /** A user's keys; every user's keys when `userName` is undefined. */
  listAccessKeys(userName: unknown, input: PageInput = {}): Page<AccessKeyRecord> {
    if (userName === undefined) return { items: this.store.listAccessKeys(undefined) };
    const user = this.findUser(userName);
    return this.page(
      input,
      (marker, limit) => this.store.listAccessKeys(user.name, marker, limit),
      (k) => k.id,
      (k) => k,
    );
  }

  updateAccessKey(userName: unknown, keyId: unknown, status: unknown): void {
    const key = this.findAccessKey(userName, keyId);
    if (status !== 'Active' && status !== 'Inactive')
      invalid('status', status, 'Member must satisfy enum value set: [Active, Inactive]');
    if (!this.store.setAccessKeyStatus(key.id, status))
      notFound(`The Access Key with id ${key.id} cannot be found.`);
  }

  deleteAccessKey(userName: unknown, keyId: unknown): void {
    const key = this.findAccessKey(userName, keyId);
    if (!this.store.deleteAccessKey(key.id)) notFound(`The Access Key with id ${key.id} cannot be found.`);
  }

  // ---- helpers

  private findRole(name: unknown): RoleRecord {
    const roleName = entityName('roleName', name);
    return this.store.getRole(roleName) ?? notFound(`The role with name ${roleName} cannot be found.`);
  }

  private findUser(name: unknown): UserRecord {
    const userName = entityName('userName', name);
    return this.store.getUser(userName) ?? notFound(`The user with name ${userName} cannot be found.`);
  }

  /** A key by id, which must belong to `userName` when one is given. */
  private findAccessKey(userName: unknown, keyId: unknown): AccessKeyRecord {
    const id = lengthIn('accessKeyId', required('accessKeyId', keyId), 16, 128);
    if (!/^\w+$/.test(id))
      invalid('accessKeyId', id, 'Member must satisfy regular expression pattern: [\\w]+');
    const owner = userName === undefined ? undefined : this.findUser(userName);
    const key = this.store.getAccessKey(id);
    if (!key || (owner && key.userName.toLowerCase() !== owner.name.toLowerCase()))
      notFound(`The Access Key with id ${id} cannot be found.`);
    return key;
  }

  private missingOwner(owner: 'role' | 'user', name: string): never {
    return notFound(`The ${owner} with name ${name} cannot be found.`);
  }

  private page<R, T>(
    input: PageInput,
    fetch: (marker: string, limit: number) => R[],
    keyOf: (r: R) => string,
    view: (r: R) => T,
  ): Page<T> {
    const max =
      input.maxItems === undefined
        ? iamLimits.defaultListItems
        : integerIn('maxItems', input.maxItems, 1, iamLimits.maxListItems);
    const marker =
      input.marker === undefined ? '' : lengthIn('marker', required('marker', input.marker), 1, 320);
    const page = pageAfter(fetch, marker, max, keyOf);
    return { items: page.items.map(view), marker: page.nextMarker };
  }

  private role(r: RoleRecord): Role {
    return { ...r, arn: this.store.roleArn(r) };
  }

  private user(u: UserRecord): User {
    return { ...u, arn: this.store.userArn(u) };
  }
}
