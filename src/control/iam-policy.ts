import { LRUCache } from 'lru-cache';
import { accountRootArn } from '../arns';

/**
 * IAM JSON policy documents: parsed and validated with IAM's own MalformedPolicyDocument
 * messages, then evaluated the way IAM does for one account: an explicit Deny wins, else any
 * Allow, else the request is implicitly denied.
 */

/** A policy document IAM would refuse; `message` is IAM's text where IAM has one. */
export class MalformedPolicyDocumentError extends Error {
  readonly code = 'MalformedPolicyDocument';
}

/**
 * Where a document is attached: `identity` (a role's or user's inline policy: no Principal),
 * `trust` (a role's assume-role policy: Principal required, no Resource) or `resource` (a
 * resource's own policy: Principal required); `any` checks only what every kind shares (for
 * evaluating stored documents, whose kind was checked when they were put).
 */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'any';

/** Principal or NotPrincipal of a statement: everyone, or ids by type (AWS, Service, ...). */
export type PrincipalSet = '*' | Partial<Record<PrincipalType, string[]>>;
export type PrincipalType = 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';

/** One condition test: `key` compared with `values` by `operator`. */
export interface Condition {
  /** The operator without IfExists, e.g. StringLike. */
  operator: ConditionOperator;
  /** `...IfExists`: a missing key passes. */
  ifExists: boolean;
  key: string;
  values: string[];
}

/** One statement, normalised: every list is an array. */
export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principal?: PrincipalSet;
  notPrincipal?: PrincipalSet;
  conditions: Condition[];
}

/** A parsed, valid policy document. */
export interface PolicyDocument {
  version: string;
  id?: string;
  statements: Statement[];
}

/** A request to decide: who (for resource and trust policies), what, on which ARN, in which context. */
export interface AccessRequest {
  /** e.g. lambda:InvokeFunction (matched case-insensitively). */
  action: string;
  /** ARN of the resource (matched case-sensitively). */
  resource: string;
  /** Condition keys and their values, e.g. { 'aws:SourceArn': 'arn:aws:s3:::b' }; key names are case-insensitive. */
  context?: Record<string, string | string[] | undefined>;
  /** The caller, for documents with Principal: e.g. { type: 'Service', id: 'lambda.amazonaws.com' }. */
  principal?: { type: PrincipalType; id: string };
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** The outcome, with the statement that decided it (none for an implicit deny). */
export interface Evaluation {
  decision: Decision;
  statement?: Statement;
  /** Index in `documents` of the document holding `statement`. */
  document?: number;
}

const supportedOperators = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
] as const;
export type ConditionOperator = (typeof supportedOperators)[number];

/** IAM operators islet does not evaluate: refused at put time so they are never silently ignored. */
const unsupportedOperators = new Set([
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'Null',
]);

const versions = ['2012-10-17', '2008-10-17'];
const topKeys = new Set(['Version', 'Id', 'Statement']);
const statementKeys = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const principalTypes = new Set<string>(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function malformed(message: string): never {
  throw new MalformedPolicyDocumentError(message);
}

const syntax = () => malformed('Syntax errors in policy.');

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** String or array of strings, as Action/Resource/Principal values are written. */
function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return syntax();
}

function principalSet(v: unknown): PrincipalSet {
  if (v === '*') return '*';
  if (!isObject(v)) return malformed(`Invalid principal in policy: ${JSON.stringify(v).slice(0, 200)}`);
  const out: Partial<Record<PrincipalType, string[]>> = {};
  for (const [type, ids] of Object.entries(v)) {
    if (!principalTypes.has(type))
      malformed(`Invalid principal in policy: "${type.slice(0, 60)}":${JSON.stringify(ids).slice(0, 100)}`);
    out[type as PrincipalType] = stringList(ids);
  }
  return out;
}

function conditions(v: unknown): Condition[] {
  if (!isObject(v)) return syntax();
  const out: Condition[] = [];
  for (const [rawOperator, block] of Object.entries(v)) {
    if (!isObject(block)) return syntax();
    if (/^(ForAnyValue|ForAllValues):/.test(rawOperator)) {
      malformed(
        `Condition set operators (${rawOperator.split(':')[0]}:) are not supported by islet; use a single-valued operator`,
      );
    }
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    if (!(supportedOperators as readonly string[]).includes(operator)) {
      if (unsupportedOperators.has(operator)) {
        malformed(
          `Condition operator ${rawOperator} is not supported by islet; supported: ${supportedOperators.join(', ')} (each also with IfExists)`,
        );
      }
      malformed(`Syntax errors in policy. Unknown condition operator: ${rawOperator.slice(0, 80)}`);
    }
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) syntax();
      vendorPrefixed(key);
      out.push({ operator: operator as ConditionOperator, ifExists, key, values: list.map(String) });
    }
  }
  return out;
}

/** Action names and condition keys must read `vendor:name` (or be `*` for actions). */
function vendorPrefixed(name: string, wildcardAllowed = false): void {
  if (wildcardAllowed && name === '*') return;
  const parts = name.split(':');
  if (parts.length === 1)
    malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) malformed('Actions/Condition can contain only one colon.');
  if (/[^a-zA-Z0-9\-.]/.test(parts[0])) malformed(`Vendor ${parts[0].slice(0, 60)} is not valid`);
}

function resourceFormat(resource: string): void {
  if (resource === '*') return;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') malformed(`Resource ${resource} must be in ARN format or "*".`);
  if (!['aws', 'aws-cn', 'aws-us-gov'].includes(parts[1])) {
    malformed(`Partition "${parts[1]}" is not valid for resource "${resource}".`);
  }
  if (/[*?]/.test(parts[2]) || parts[2] === '')
    malformed('Resource vendor must be fully qualified and cannot contain regexes.');
}

function statement(raw: unknown, kind: PolicyKind): Statement {
  if (!isObject(raw)) return syntax();
  for (const key of Object.keys(raw)) if (!statementKeys.has(key)) syntax();
  if ('Action' in raw && 'NotAction' in raw) syntax();
  if ('Resource' in raw && 'NotResource' in raw) syntax();
  if ('Principal' in raw && 'NotPrincipal' in raw) syntax();
  if (typeof raw.Effect !== 'string' || !['allow', 'deny'].includes(raw.Effect.toLowerCase())) syntax();
  if (raw.Sid !== undefined && typeof raw.Sid !== 'string') syntax();
  const s: Statement = { effect: raw.Effect as 'Allow' | 'Deny', conditions: [] };
  if (raw.Sid !== undefined) s.sid = raw.Sid as string;
  if (raw.Action !== undefined) s.actions = stringList(raw.Action);
  if (raw.NotAction !== undefined) s.notActions = stringList(raw.NotAction);
  if (raw.Resource !== undefined) s.resources = stringList(raw.Resource);
  if (raw.NotResource !== undefined) s.notResources = stringList(raw.NotResource);
  if (raw.Condition !== undefined) s.conditions = conditions(raw.Condition);
  if (raw.Principal !== undefined || raw.NotPrincipal !== undefined) {
    if (kind === 'identity') malformed('Policy document should not specify a principal.');
    if (raw.Principal !== undefined) s.principal = principalSet(raw.Principal);
    else s.notPrincipal = principalSet(raw.NotPrincipal);
  }
  return s;
}

/**
 * Parses a policy document and validates it as IAM does for `kind`; throws
 * MalformedPolicyDocumentError with IAM's message for the first problem found.
 */
export function parsePolicy(text: string, kind: PolicyKind = 'identity'): PolicyDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return syntax();
  }
  if (!isObject(json)) return syntax();
  for (const key of Object.keys(json)) if (!topKeys.has(key)) syntax();
  if (json.Version !== undefined && !versions.includes(json.Version as string)) syntax();
  if (json.Id !== undefined && typeof json.Id !== 'string') syntax();
  const rawStatements = Array.isArray(json.Statement)
    ? json.Statement
    : isObject(json.Statement)
      ? [json.Statement]
      : [];
  if (rawStatements.length === 0) syntax();
  const statements = rawStatements.map((s) => statement(s, kind));
  if (json.Version === undefined) malformed('Policy document must be version 2012-10-17 or greater.');
  if (statements.some((s) => s.effect !== 'Allow' && s.effect !== 'Deny'))
    malformed('The policy failed legacy parsing');
  for (const s of statements)
    for (const r of [...(s.resources ?? []), ...(s.notResources ?? [])]) resourceFormat(r);
  const sids = statements.map((s) => s.sid).filter((sid) => sid);
  if (new Set(sids).size !== sids.length) malformed('Statement IDs (SID) in a single policy must be unique.');
  if (kind === 'identity') {
    for (const sid of sids) {
      if (!/^[0-9A-Za-z]*$/.test(sid!)) {
        malformed(
          'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
        );
      }
    }
  }
  for (const s of statements) {
    const actions = s.actions ?? s.notActions;
    if (!actions || actions.length === 0) malformed('Policy statement must contain actions.');
  }
  for (const s of statements) {
    if (kind === 'any') continue;
    if (kind === 'trust') {
      if (s.resources || s.notResources) malformed('Has prohibited field Resource.');
      if (!s.principal && !s.notPrincipal) malformed('Missing required field Principal.');
      continue;
    }
    const resources = s.resources ?? s.notResources;
    if (!resources || resources.length === 0) malformed('Policy statement must contain resources.');
    if (kind === 'resource' && !s.principal && !s.notPrincipal)
      malformed('Missing required field Principal.');
  }
  for (const s of statements) for (const a of s.actions ?? s.notActions ?? []) vendorPrefixed(a, true);
  const substituted = (s: Statement) => [
    ...(s.resources ?? []),
    ...(s.notResources ?? []),
    ...s.conditions.flatMap((c) => c.values),
  ];
  if (json.Version === '2012-10-17' && statements.some((s) => substituted(s).some((v) => v.includes('${')))) {
    malformed(`Policy variables (\${...}) are not supported by islet yet; write the values out`);
  }
  return { version: json.Version as string, id: json.Id as string | undefined, statements };
}

const patterns = new LRUCache<string, RegExp>({ max: 4096 });

/** IAM wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(cacheKey);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    patterns.set(cacheKey, re);
  }
  return re.test(value);
}

/** ArnEquals/ArnLike: each of the six colon-separated parts matched on its own (the last keeps its colons). */
function arnMatch(pattern: string, value: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const v = split(value);
  if (!v) return false;
  const p = split(pattern);
  // A pattern with fewer than six parts (such as `*`) is matched against the whole value.
  if (!p) return wildcardMatch(pattern, value);
  return p.every((part, i) => wildcardMatch(part, v[i]));
}

function contextValues(context: AccessRequest['context'], key: string): string[] | undefined {
  if (!context) return undefined;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === lower && v !== undefined) return Array.isArray(v) ? v : [v];
  }
  return undefined;
}

function conditionHolds(c: Condition, context: AccessRequest['context']): boolean {
  const present = contextValues(context, c.key);
  const negated = c.operator.includes('Not');
  // A missing key fails a positive test and passes a negated one, as in IAM; IfExists passes both.
  if (present === undefined) return c.ifExists || negated;
  const test = (pattern: string, value: string): boolean => {
    switch (c.operator) {
      case 'StringEquals':
      case 'StringNotEquals':
        return pattern === value;
      case 'StringEqualsIgnoreCase':
      case 'StringNotEqualsIgnoreCase':
        return pattern.toLowerCase() === value.toLowerCase();
      case 'StringLike':
      case 'StringNotLike':
        return wildcardMatch(pattern, value);
      default:
        return arnMatch(pattern, value);
    }
  };
  const anyMatch = present.some((value) => c.values.some((pattern) => test(pattern, value)));
  return negated ? !anyMatch : anyMatch;
}

function principalMatches(set: PrincipalSet, who: AccessRequest['principal']): boolean {
  if (set === '*') return true;
  if (set.AWS?.includes('*')) return true;
  if (!who) return false;
  const ids = set[who.type] ?? [];
  if (who.type !== 'AWS') return ids.some((id) => id.toLowerCase() === who.id.toLowerCase());
  const account = who.id.split(':')[4];
  return ids.some((id) => id === who.id || id === account || id === accountRootArn(account));
}

function applies(s: Statement, request: AccessRequest): boolean {
  if (s.principal && !principalMatches(s.principal, request.principal)) return false;
  if (s.notPrincipal && principalMatches(s.notPrincipal, request.principal)) return false;
  if (s.actions && !s.actions.some((a) => wildcardMatch(a, request.action, true))) return false;
  if (s.notActions?.some((a) => wildcardMatch(a, request.action, true))) return false;
  if (s.resources && !s.resources.some((r) => wildcardMatch(r, request.resource))) return false;
  if (s.notResources?.some((r) => wildcardMatch(r, request.resource))) return false;
  return s.conditions.every((c) => conditionHolds(c, request.context));
}

const parsed = new LRUCache<string, PolicyDocument>({ max: 1024 });

/** Accepts documents as text (any kind, cached) or already parsed. */
function documentOf(d: PolicyDocument | string): PolicyDocument {
  if (typeof d !== 'string') return d;
  let doc = parsed.get(d);
  if (!doc) {
    doc = parsePolicy(d, 'any');
    parsed.set(d, doc);
  }
  return doc;
}

/**
 * Decides a request against a set of policy documents: an explicit Deny in any of them wins,
 * else an Allow in any of them, else an implicit deny. Text documents are parsed (and throw
 * MalformedPolicyDocumentError if invalid).
 */
export function evaluate(
  documents: ReadonlyArray<PolicyDocument | string>,
  request: AccessRequest,
): Evaluation {
  let allow: Evaluation | undefined;
  for (let i = 0; i < documents.length; i++) {
    for (const s of documentOf(documents[i]).statements) {
      if (!applies(s, request)) continue;
      if (s.effect === 'Deny') return { decision: 'explicit-deny', statement: s, document: i };
      allow ??= { decision: 'allow', statement: s, document: i };
    }
  }
  return allow ?? { decision: 'implicit-deny' };
}
