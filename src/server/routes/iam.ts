import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import { type Context, Hono } from 'hono';
import { formParameters } from '../../control/form-parameters';
import { IamError, type Identities, type Page, type Role, type User } from '../../control/identities';
import { LambdaError } from '../../errors';
import type { Logger } from '../../logger';
import type { AccessKeyRecord } from '../../store/iam-store';
import { readBody } from '../body';

const ns = 'https://iam.amazonaws.com/doc/2010-05-08/';
const apiVersion = '2010-05-08';
/** Largest IAM request: a 131,072-character policy, URL-encoded, with room to spare. */
const maxRequestBytes = 1024 * 1024;

const xml = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

type Params = Record<string, string | undefined>;
type Operation = { params: string[]; run(p: Params): unknown };

/** IAM's timestamps: ISO 8601 in UTC, without milliseconds. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function roleXml(r: Role) {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: iso(r.createdAt),
    // IAM returns policy documents URL-encoded; the SDKs and the CLI decode them.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicy),
    Description: r.description || undefined,
    MaxSessionDuration: r.maxSessionSeconds,
  };
}

function userXml(u: User) {
  return { Path: u.path, UserName: u.name, UserId: u.userId, Arn: u.arn, CreateDate: iso(u.createdAt) };
}

function keyXml(k: AccessKeyRecord) {
  return { UserName: k.userName, AccessKeyId: k.id, Status: k.status, CreateDate: iso(k.createdAt) };
}

/** The IsTruncated/Marker pair of a list result, with the list under `name`. */
function listXml<T>(name: string, page: Page<T>, item: (t: T) => unknown) {
  return {
    [name]: { member: page.items.map(item) },
    IsTruncated: page.marker !== undefined,
    Marker: page.marker,
  };
}

/** The operations, keyed by Action, with the parameters each accepts besides Action and Version. */
function operations(ids: Identities): Record<string, Operation> {
  const paging = (p: Params) => ({ marker: p.Marker, maxItems: p.MaxItems, pathPrefix: p.PathPrefix });
  const policyOps = (owner: 'role' | 'user', param: 'RoleName' | 'UserName', Noun: 'Role' | 'User') => ({
    [`Put${Noun}Policy`]: {
      params: [param, 'PolicyName', 'PolicyDocument'],
      run: (p: Params) => ids.putPolicy(owner, p[param], p.PolicyName, p.PolicyDocument),
    },
    [`Get${Noun}Policy`]: {
      params: [param, 'PolicyName'],
      run: (p: Params) => {
        const policy = ids.getPolicy(owner, p[param], p.PolicyName);
        return {
          [param]: policy.ownerName,
          PolicyName: policy.name,
          PolicyDocument: encodeURIComponent(policy.document),
        };
      },
    },
    [`List${Noun}Policies`]: {
      params: [param, 'Marker', 'MaxItems'],
      run: (p: Params) => listXml('PolicyNames', ids.listPolicies(owner, p[param], paging(p)), (n) => n),
    },
    [`Delete${Noun}Policy`]: {
      params: [param, 'PolicyName'],
      run: (p: Params) => ids.deletePolicy(owner, p[param], p.PolicyName),
    },
  });
  return {
    CreateRole: {
      params: ['RoleName', 'AssumeRolePolicyDocument', 'Path', 'Description', 'MaxSessionDuration'],
      run: (p) => ({ Role: roleXml(ids.createRole(p)) }),
    },
    GetRole: { params: ['RoleName'], run: (p) => ({ Role: roleXml(ids.getRole(p.RoleName)) }) },
    ListRoles: {
      params: ['PathPrefix', 'Marker', 'MaxItems'],
      run: (p) => listXml('Roles', ids.listRoles(paging(p)), roleXml),
    },
    DeleteRole: { params: ['RoleName'], run: (p) => ids.deleteRole(p.RoleName) },
    UpdateAssumeRolePolicy: {
      params: ['RoleName', 'PolicyDocument'],
      run: (p) => ids.updateAssumeRolePolicy(p.RoleName, p.PolicyDocument),
    },
    ...policyOps('role', 'RoleName', 'Role'),
    CreateUser: { params: ['UserName', 'Path'], run: (p) => ({ User: userXml(ids.createUser(p)) }) },
    GetUser: { params: ['UserName'], run: (p) => ({ User: userXml(ids.getUser(p.UserName)) }) },
    ListUsers: {
      params: ['PathPrefix', 'Marker', 'MaxItems'],
      run: (p) => listXml('Users', ids.listUsers(paging(p)), userXml),
    },
    DeleteUser: { params: ['UserName'], run: (p) => ids.deleteUser(p.UserName) },
    ...policyOps('user', 'UserName', 'User'),
    CreateAccessKey: {
      params: ['UserName'],
      run: (p) => {
        const key = ids.createAccessKey(p.UserName);
        return { AccessKey: { ...keyXml(key), SecretAccessKey: key.secret } };
      },
    },
    ListAccessKeys: {
      params: ['UserName', 'Marker', 'MaxItems'],
      run: (p) => ({
        UserName: p.UserName,
        ...listXml('AccessKeyMetadata', ids.listAccessKeys(p.UserName, paging(p)), keyXml),
      }),
    },
    UpdateAccessKey: {
      params: ['UserName', 'AccessKeyId', 'Status'],
      run: (p) => ids.updateAccessKey(p.UserName, p.AccessKeyId, p.Status),
    },
    DeleteAccessKey: {
      params: ['UserName', 'AccessKeyId'],
      run: (p) => ids.deleteAccessKey(p.UserName, p.AccessKeyId),
    },
  };
}

function reply(c: Context, status: number, root: string, body: Record<string, unknown>, requestId: string) {
  const doc = xml.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    [root]: { '@_xmlns': ns, ...body },
  });
  return c.body(doc, status as 200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId });
}

function errorReply(c: Context, e: IamError, requestId: string) {
  const type = e.status >= 500 ? 'Receiver' : 'Sender';
  return reply(
    c,
    e.status,
    'ErrorResponse',
    { Error: { Type: type, Code: e.code, Message: e.message }, RequestId: requestId },
    requestId,
  );
}

/**
 * The IAM query API (form-encoded `Action=...&Version=2010-05-08`, XML answers), for requests
 * signed for service `iam`: roles, users, their inline policies and access keys, so
 * `aws iam ... --endpoint-url` and @aws-sdk/client-iam work against islet. Translation only: the
 * rules live in control/identities.ts.
 */
export function iamRoutes(identities: Identities, logger: Logger): Hono {
  const app = new Hono({ strict: false });
  const ops = operations(identities);
  app.all('*', async (c) => {
    const requestId = randomUUID();
    try {
      let formBody: Buffer | undefined;
      if (c.req.method === 'POST') formBody = await readBody(c, maxRequestBytes, 'IAM');
      else if (c.req.method !== 'GET') {
        throw new IamError(
          'InvalidAction',
          `IAM requests are GET or POST, not ${c.req.method.slice(0, 20)}`,
          400,
        );
      }
      const read = formParameters(new URLSearchParams(c.req.url.split('?')[1] ?? ''), formBody);
      if ('conflict' in read) {
        throw new IamError(
          'InvalidInput',
          `The parameter ${read.conflict.slice(0, 64)} is given more than once with different values.`,
          400,
        );
      }
      const params = read.params;
      const action = params.get('Action');
      if (!action) throw new IamError('MissingAction', 'Missing Action', 400);
      const version = params.get('Version');
      if (!version)
        throw new IamError('MissingParameter', 'The request must contain the parameter Version', 400);
      const op = Object.hasOwn(ops, action) ? ops[action] : undefined;
      if (!op || version !== apiVersion) {
        throw new IamError(
          'InvalidAction',
          `Could not find operation ${action.slice(0, 64)} for version ${version.slice(0, 20)}`,
          400,
        );
      }
      const input: Params = {};
      for (const [k, v] of params) {
        if (k === 'Action' || k === 'Version') continue;
        if (!op.params.includes(k)) {
          const name = k.split('.')[0].slice(0, 64);
          throw new IamError(
            'ValidationError',
            `islet does not support the parameter ${name} of ${action}`,
            400,
          );
        }
        input[k] = v;
      }
      const result = op.run(input);
      const body: Record<string, unknown> = {};
      if (result !== undefined) body[`${action}Result`] = result;
      body.ResponseMetadata = { RequestId: requestId };
      return reply(c, 200, `${action}Response`, body, requestId);
    } catch (e) {
      if (e instanceof IamError) return errorReply(c, e, requestId);
      if (e instanceof LambdaError && e.status < 500) {
        // The body reader's errors (too large, cut short).
        return errorReply(
          c,
          new IamError(e.status === 413 ? 'RequestEntityTooLarge' : 'InvalidInput', e.message, e.status),
          requestId,
        );
      }
      logger.error('iam.failed', {
        reference: requestId,
        error: (e as Error).message,
        stack: (e as Error).stack,
      });
      return errorReply(
        c,
        new IamError('ServiceFailure', `Internal error; reference = ${requestId}`, 500),
        requestId,
      );
    }
  });
  return app;
}
