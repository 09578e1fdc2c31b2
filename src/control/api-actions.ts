import {
  type Account,
  eventSourceMappingArn,
  functionArn,
  logGroupArn,
  roleArn,
  ruleArn,
  s3Arn,
  userArn,
} from '../arns';
import { dynamodbAccess } from '../services/dynamodb';
import { iteratorStreamArn } from '../services/dynamodb-streams-api';
import { formParameters } from './form-parameters';
import { evaluate, type PolicyDocument } from './iam-policy';
import { type PolicyStatement, policyDocument } from './policy';
import { s3Address, s3OperationOf } from './s3-operations';

/**
 * Which IAM action and resource each API request is, declared once for every route islet serves,
 * and the decision whether a caller may perform it (the caller's user policies, then for
 * functions their resource-based policy).
 */

/** The APIs islet answers on its one port, told apart by the SigV4 signing service. */
export type ApiName = 'lambda' | 's3' | 'events' | 'iam' | 'logs' | 'monitoring' | 'dynamodb';

/** What the action table reads from a request. */
export interface ApiRequest {
  api: ApiName;
  method: string;
  /** The path as the router matches it. */
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  /** The body, when it was read to check the signature (every API but S3). */
  body?: Buffer;
  /** The request URL, still percent-encoded (S3 reads its bucket and key from it). */
  url?: string;
}

/** One authorised operation: the IAM action, its resource ARN and request condition keys. */
export interface ApiCall {
  action: string;
  resource: string;
  /** Set when the resource is a function: its resource-based policy may grant the action too. */
  functionName?: string;
  context?: Record<string, string>;
  /** Further actions the same request needs, each allowed on its own (a batch over several tables). */
  also?: ApiCall[];
}

export type { Account } from '../arns';

/** The authenticated caller. */
export interface ApiCaller {
  userName: string;
  userArn: string;
}

interface Match {
  params: string[];
  query: URLSearchParams;
  body?: Buffer;
  account: Account;
}

type ResourceOf = (m: Match) => Pick<ApiCall, 'resource' | 'functionName' | 'context'>;

interface LambdaRoute {
  method: string;
  pattern: RegExp;
  action: string;
  resource: ResourceOf;
}

const namePattern =
  /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function jsonBody(body: Buffer | undefined): Record<string, unknown> {
  try {
    const v = JSON.parse(body?.toString('utf8') || '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** A function named in the path (name, partial or full ARN), qualified when the request is. */
function fn(m: Match): Pick<ApiCall, 'resource' | 'functionName'> {
  const raw = decoded(m.params[0]);
  const parsed = namePattern.exec(raw);
  const name = parsed?.[1] ?? raw;
  const qualifier = parsed?.[2] ?? m.query.get('Qualifier') ?? undefined;
  return {
    resource: `${functionArn(m.account, name)}${qualifier ? `:${qualifier}` : ''}`,
    functionName: parsed ? name : undefined,
  };
}

const everything: ResourceOf = () => ({ resource: '*' });

function bodyFunction(m: Match): Pick<ApiCall, 'resource' | 'functionName'> {
  const name = jsonBody(m.body).FunctionName;
  return { resource: functionArn(m.account, typeof name === 'string' ? name : '') };
}

function mappingArn(m: Match) {
  return {
    resource: eventSourceMappingArn(m.account, decoded(m.params[0])),
  };
}

/** CreateEventSourceMapping has no resource of its own; policies narrow it by lambda:FunctionArn. */
function newMapping(m: Match): Pick<ApiCall, 'resource' | 'context'> {
  const name = jsonBody(m.body).FunctionName;
  const parsed = typeof name === 'string' ? namePattern.exec(name) : null;
  return {
    resource: '*',
    context: parsed ? { 'lambda:FunctionArn': functionArn(m.account, parsed[1]) } : undefined,
  };
}

function route(method: string, path: string, action: string, resource: ResourceOf): LambdaRoute {
  const pattern = new RegExp(`^${path.replace(/\{[a-z]+\}/g, '([^/]+)')}/?$`);
  return { method, pattern, action, resource };
}

const fnPath = '/2015-03-31/functions/{name}';
const invokeConfig = '/2019-09-25/functions/{name}/event-invoke-config';
const urlConfig = '/2021-10-31/functions/{name}/url';

/** Every Lambda REST route and islet's own API routes, with the IAM action each one is. */
export const lambdaActions: readonly LambdaRoute[] = [
  route('GET', '/2015-03-31/functions', 'lambda:ListFunctions', everything),
  route('POST', '/2015-03-31/functions', 'lambda:CreateFunction', bodyFunction),
  route('GET', fnPath, 'lambda:GetFunction', fn),
  route('DELETE', fnPath, 'lambda:DeleteFunction', fn),
  route('GET', `${fnPath}/configuration`, 'lambda:GetFunctionConfiguration', fn),
  route('PUT', `${fnPath}/configuration`, 'lambda:UpdateFunctionConfiguration', fn),
  route('PUT', `${fnPath}/code`, 'lambda:UpdateFunctionCode', fn),
  route('POST', `${fnPath}/invocations`, 'lambda:InvokeFunction', fn),
  route('POST', '/2014-11-13/functions/{name}/invoke-async', 'lambda:InvokeAsync', fn),
  route('POST', `${fnPath}/policy`, 'lambda:AddPermission', fn),
  route('GET', `${fnPath}/policy`, 'lambda:GetPolicy', fn),
  route('DELETE', `${fnPath}/policy/{sid}`, 'lambda:RemovePermission', fn),
  route('PUT', '/2017-10-31/functions/{name}/concurrency', 'lambda:PutFunctionConcurrency', fn),
  route('DELETE', '/2017-10-31/functions/{name}/concurrency', 'lambda:DeleteFunctionConcurrency', fn),
  route('GET', '/2019-09-30/functions/{name}/concurrency', 'lambda:GetFunctionConcurrency', fn),
  route('PUT', invokeConfig, 'lambda:PutFunctionEventInvokeConfig', fn),
  route('POST', invokeConfig, 'lambda:UpdateFunctionEventInvokeConfig', fn),
  route('GET', invokeConfig, 'lambda:GetFunctionEventInvokeConfig', fn),
  route('DELETE', invokeConfig, 'lambda:DeleteFunctionEventInvokeConfig', fn),
  route('GET', `${invokeConfig}/list`, 'lambda:ListFunctionEventInvokeConfigs', fn),
  route('POST', urlConfig, 'lambda:CreateFunctionUrlConfig', fn),
  route('GET', urlConfig, 'lambda:GetFunctionUrlConfig', fn),
  route('PUT', urlConfig, 'lambda:UpdateFunctionUrlConfig', fn),
  route('DELETE', urlConfig, 'lambda:DeleteFunctionUrlConfig', fn),
  route('POST', '/2015-03-31/event-source-mappings', 'lambda:CreateEventSourceMapping', newMapping),
  route('GET', '/2015-03-31/event-source-mappings', 'lambda:ListEventSourceMappings', everything),
  route('GET', '/2015-03-31/event-source-mappings/{uuid}', 'lambda:GetEventSourceMapping', mappingArn),
  route('PUT', '/2015-03-31/event-source-mappings/{uuid}', 'lambda:UpdateEventSourceMapping', mappingArn),
  route('DELETE', '/2015-03-31/event-source-mappings/{uuid}', 'lambda:DeleteEventSourceMapping', mappingArn),
  route('GET', '/islet/dead-letters', 'islet:ListDeadLetters', everything),
  route('POST', '/islet/dead-letters/{id}/redrive', 'islet:RedriveDeadLetter', everything),
  route('DELETE', '/islet/dead-letters/{id}', 'islet:DeleteDeadLetter', everything),
  route('GET', '/islet/billing', 'islet:GetBilling', everything),
  route('GET', '/islet/samples', 'islet:ListSampleEvents', everything),
  route('GET', '/islet/functions/{name}/triggers', 'islet:ListFunctionTriggers', fn),
];

/** The action a function URL request needs (checked by the URL route, not the table). */
export const invokeFunctionUrl = 'lambda:InvokeFunctionUrl';

function lambdaCall(req: ApiRequest, account: Account): ApiCall | undefined {
  for (const r of lambdaActions) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(req.path);
    if (m)
      return {
        action: r.action,
        ...r.resource({ params: m.slice(1), query: req.query, body: req.body, account }),
      };
  }
  return undefined;
}

/**
 * S3 (the embedded store and bucket notifications): the operation's action on its bucket or
 * object ARN (DeleteObjects: every object of the bucket; ListBuckets: `*`); a copy also needs
 * s3:GetObject on its source.
 */
function s3Call(req: ApiRequest): ApiCall | undefined {
  const pathname = req.url ? new URL(req.url).pathname : req.path;
  const address = s3Address(req.header('host'), pathname);
  const op = s3OperationOf(req.method, address, req.query, req.header);
  if (!op) return undefined;
  if (!address.bucket) return { action: op.action, resource: '*' };
  const resource =
    op.name === 'DeleteObjects' ? s3Arn(address.bucket, '*') : s3Arn(address.bucket, address.key);
  const source = op.copySource;
  if (!source) return { action: op.action, resource };
  return {
    action: op.action,
    resource,
    also: [{ action: 's3:GetObject', resource: s3Arn(source.bucket, source.key) }],
  };
}

/** EventBridge (JSON 1.1, X-Amz-Target AWSEvents.Op): rule operations on the rule's ARN. */
function eventsCall(req: ApiRequest, account: Account): ApiCall | undefined {
  const op = /^AWSEvents\.([A-Za-z]{1,64})$/.exec(req.header('x-amz-target') ?? '')?.[1];
  if (!op) return undefined;
  const input = jsonBody(req.body);
  const rule = input.Name ?? input.Rule;
  const bus = typeof input.EventBusName === 'string' ? input.EventBusName : undefined;
  return {
    action: `events:${op}`,
    resource: typeof rule === 'string' ? ruleArn(account, rule, bus) : '*',
  };
}

/**
 * IAM (query protocol, Action=Op): roles and users by name; the caller's own user when none is
 * named. Parameters are read as the route reads them (control/form-parameters.ts).
 */
function iamCall(req: ApiRequest, account: Account, caller: ApiCaller): ApiCall | undefined {
  const form = formParameters(req.query, req.body);
  if ('conflict' in form) return undefined;
  const [op, role, user, givenPath] = ['Action', 'RoleName', 'UserName', 'Path'].map((n) =>
    form.params.get(n),
  );
  if (op === undefined || !/^[A-Za-z]{1,64}$/.test(op)) return undefined;
  const path = op === 'CreateRole' || op === 'CreateUser' ? (givenPath ?? '/') : '/';
  let resource = '*';
  if (role) resource = roleArn(account.accountId, path, role);
  else if (user) resource = userArn(account.accountId, path, user);
  else if (/AccessKey|UserPolic|^GetUser$/.test(op)) resource = caller.userArn;
  return { action: `iam:${op}`, resource };
}

/**
 * CloudWatch Logs and CloudWatch (JSON with X-Amz-Target, RPCv2 CBOR with the operation in the
 * path, or the query protocol's Action): `service:Operation`, on the log group a Logs request
 * names, else `*` (CloudWatch metric actions have no resource-level permissions).
 */
function rpcCall(req: ApiRequest, account: Account): ApiCall | undefined {
  const target = req.header('x-amz-target');
  const fromPath = /^\/service\/[^/]+\/operation\/([A-Za-z]{1,64})\/?$/.exec(req.path)?.[1];
  // The same precedence as the routes: an RPCv2 path names the operation, else the target, else Action.
  let op: string | undefined =
    fromPath ?? (target !== undefined ? /\.([A-Za-z]{1,64})$/.exec(target)?.[1] : undefined);
  if (target === undefined && fromPath === undefined) {
    const params = new URLSearchParams(req.query);
    for (const [k, v] of new URLSearchParams(req.body?.toString('utf8') ?? '')) params.append(k, v);
    const actions = new Set(params.getAll('Action'));
    op = actions.size === 1 ? [...actions][0] : undefined;
  }
  if (!op || !/^[A-Za-z]{1,64}$/.test(op)) return undefined;
  const input =
    req.api === 'logs' && fromPath === undefined && target !== undefined ? jsonBody(req.body) : {};
  const group = input.logGroupName ?? input.logGroupIdentifier;
  let resource = '*';
  if (typeof group === 'string')
    resource = group.startsWith('arn:') ? group.replace(/:\*$/, '') : logGroupArn(account, group);
  return { action: `${req.api}:${op}`, resource };
}

/** The DynamoDB operations islet's own tables answer (src/services/dynamodb-embedded.ts). */
export const dynamodbOperations: readonly string[] = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'TransactGetItems',
  'TransactWriteItems',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
];

/** The DynamoDB Streams operations on islet's table streams (src/services/dynamodb-streams-api.ts). */
export const dynamodbStreamsOperations: readonly string[] = [
  'DescribeStream',
  'GetRecords',
  'GetShardIterator',
  'ListStreams',
];

/**
 * DynamoDB Streams (DynamoDBStreams_20120810.Op): `dynamodb:Op` on the stream's ARN (GetRecords:
 * the stream its iterator reads; ListStreams: `*`).
 * DynamoDB (JSON 1.0, X-Amz-Target DynamoDB_20120810.Op): `dynamodb:Op` on the table's ARN (on
 * the index for Query/Scan with IndexName); a batch needs its action on every table it names, a
 * transaction each item's own action (dynamodb:PutItem, ..., dynamodb:ConditionCheckItem); tag
 * operations act on the ARN they name. Input whose tables cannot be read needs the action on `*`.
 */
function dynamodbCall(req: ApiRequest, account: Account): ApiCall | undefined {
  const target = /^(DynamoDB|DynamoDBStreams)_20120810\.([A-Za-z]{1,64})$/.exec(
    req.header('x-amz-target') ?? '',
  );
  const op = target?.[2];
  const input = jsonBody(req.body);
  if (op && target?.[1] === 'DynamoDBStreams') {
    if (!dynamodbStreamsOperations.includes(op)) return undefined;
    const arn = op === 'GetRecords' ? iteratorStreamArn(input.ShardIterator) : input.StreamArn;
    return {
      action: `dynamodb:${op}`,
      resource: op !== 'ListStreams' && typeof arn === 'string' ? arn : '*',
    };
  }
  if (!op || !dynamodbOperations.includes(op)) return undefined;
  if (op === 'TagResource' || op === 'UntagResource' || op === 'ListTagsOfResource') {
    const arn = input.ResourceArn;
    return { action: `dynamodb:${op}`, resource: typeof arn === 'string' ? arn : '*' };
  }
  try {
    const [first, ...rest] = dynamodbAccess(op, input, account).permissions;
    if (!first) return { action: `dynamodb:${op}`, resource: '*' };
    return { ...first, ...(rest.length ? { also: rest } : {}) };
  } catch {
    return { action: `dynamodb:${op}`, resource: '*' };
  }
}

/** The IAM action and resource of a request; undefined when it is no operation islet knows. */
export function apiCallFor(req: ApiRequest, account: Account, caller: ApiCaller): ApiCall | undefined {
  switch (req.api) {
    case 's3':
      return s3Call(req);
    case 'events':
      return eventsCall(req, account);
    case 'iam':
      return iamCall(req, account, caller);
    case 'logs':
    case 'monitoring':
      return rpcCall(req, account);
    case 'dynamodb':
      return dynamodbCall(req, account);
    default:
      return lambdaCall(req, account);
  }
}

/** Where the authorizer reads policies. */
export interface PolicySource {
  /** A user's inline policy documents (text or parsed). */
  userPolicies(userName: string): ReadonlyArray<PolicyDocument | string>;
  /** A function's resource-based policy; undefined when it has none or does not exist. */
  functionPolicy(functionName: string): PolicyStatement[] | undefined;
}

/** The outcome: allowed, or AWS's AccessDenied message. */
export type AccessDecision = { allowed: true } | { allowed: false; message: string };

/**
 * Decides API calls: an explicit Deny in the user's policies wins; else an Allow in them; else a
 * statement of the function's resource-based policy naming the user, its account or `*`.
 */
export class ApiAuthorizer {
  constructor(private readonly source: PolicySource) {}

  decide(call: ApiCall, caller: ApiCaller, context: Record<string, string> = {}): AccessDecision {
    for (const more of call.also ?? []) {
      const decision = this.decide(more, caller, context);
      if (!decision.allowed) return decision;
    }
    const request = {
      action: call.action,
      resource: call.resource,
      context: { ...context, ...call.context },
    };
    const identity = evaluate(this.source.userPolicies(caller.userName), request);
    const denied = (why: string): AccessDecision => ({
      allowed: false,
      message: `User: ${caller.userArn} is not authorized to perform: ${call.action} on resource: ${call.resource} ${why}`,
    });
    if (identity.decision === 'explicit-deny')
      return denied('with an explicit deny in an identity-based policy');
    if (identity.decision === 'allow') return { allowed: true };
    if (call.functionName && this.resourcePolicyAllows(call, caller, request)) return { allowed: true };
    return denied(`because no identity-based policy allows the ${call.action} action`);
  }

  private resourcePolicyAllows(
    call: ApiCall,
    caller: ApiCaller,
    request: { action: string; resource: string; context: Record<string, string> },
  ): boolean {
    const policy = this.source.functionPolicy(call.functionName!);
    if (!policy?.length) return false;
    // A statement on the function's ARN covers $LATEST, the only version islet keeps.
    const resource = call.resource.replace(/:\$LATEST$/, '');
    try {
      const outcome = evaluate([policyDocument(policy)], {
        ...request,
        resource,
        principal: { type: 'AWS', id: caller.userArn },
      });
      return outcome.decision === 'allow';
    } catch {
      return false; // a stored statement islet cannot evaluate grants nothing
    }
  }
}
