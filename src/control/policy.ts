import { accountRootArn } from '../arns';
import { InvalidParameterValueError, ResourceConflictError, ResourceNotFoundError } from '../errors';

/** One statement of a function's resource-based policy, in IAM JSON. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string } | '*';
  Action: string;
  Resource: string;
  Condition?: {
    ArnLike?: { 'AWS:SourceArn': string };
    StringEquals?: { 'AWS:SourceAccount'?: string; 'lambda:FunctionUrlAuthType'?: string };
  };
}

const sidPattern = /^[a-zA-Z0-9_.-]{1,100}$/;
const actionPattern = /^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/;

/** Builds the statement AddPermission adds, validating its input like Lambda. */
export function statementFrom(input: Record<string, unknown>, functionArn: string): PolicyStatement {
  const sid = input.StatementId;
  if (typeof sid !== 'string' || !sidPattern.test(sid)) {
    throw new InvalidParameterValueError('StatementId is required and must match [a-zA-Z0-9-_.]{1,100}');
  }
  const action = input.Action;
  if (typeof action !== 'string' || !actionPattern.test(action)) {
    throw new InvalidParameterValueError('Action is required, e.g. lambda:InvokeFunction');
  }
  const principal = input.Principal;
  if (typeof principal !== 'string' || principal === '')
    throw new InvalidParameterValueError('Principal is required');
  const statement: PolicyStatement = {
    Sid: sid,
    Effect: 'Allow',
    Principal:
      principal === '*'
        ? '*'
        : principal.includes('.amazonaws.com') || principal.endsWith('.islet')
          ? { Service: principal }
          : { AWS: /^\d{12}$/.test(principal) ? accountRootArn(principal) : principal },
    Action: action,
    Resource: functionArn,
  };
  if (input.SourceArn !== undefined) {
    if (typeof input.SourceArn !== 'string' || !input.SourceArn.startsWith('arn:')) {
      throw new InvalidParameterValueError('SourceArn must be an ARN');
    }
    statement.Condition = { ...statement.Condition, ArnLike: { 'AWS:SourceArn': input.SourceArn } };
  }
  if (input.SourceAccount !== undefined) {
    if (typeof input.SourceAccount !== 'string' || !/^\d{12}$/.test(input.SourceAccount)) {
      throw new InvalidParameterValueError('SourceAccount must be a 12-digit account id');
    }
    statement.Condition = {
      ...statement.Condition,
      StringEquals: { 'AWS:SourceAccount': input.SourceAccount },
    };
  }
  if (input.FunctionUrlAuthType !== undefined) {
    const authType = input.FunctionUrlAuthType;
    if (authType !== 'NONE' && authType !== 'AWS_IAM') {
      throw new InvalidParameterValueError('FunctionUrlAuthType must be NONE or AWS_IAM');
    }
    statement.Condition = {
      ...statement.Condition,
      StringEquals: { ...statement.Condition?.StringEquals, 'lambda:FunctionUrlAuthType': authType },
    };
  }
  return statement;
}

/** Adds a statement; a Sid may appear once. */
export function addStatement(
  policy: PolicyStatement[] | undefined,
  statement: PolicyStatement,
): PolicyStatement[] {
  if (policy?.some((s) => s.Sid === statement.Sid)) {
    throw new ResourceConflictError(
      `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
    );
  }
  return [...(policy ?? []), statement];
}

/** Removes a statement by Sid. */
export function removeStatement(policy: PolicyStatement[] | undefined, sid: string): PolicyStatement[] {
  if (!policy?.some((s) => s.Sid === sid)) {
    throw new ResourceNotFoundError(`Statement ${sid} is not found in resource policy.`);
  }
  return policy.filter((s) => s.Sid !== sid);
}

/** The policy document GetPolicy returns (as text). */
export function policyDocument(policy: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: policy });
}

/** IAM-style wildcard match: `*` any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

/** Whether the policy lets a service principal invoke the function for a given source. */
export function allowsService(
  policy: PolicyStatement[] | undefined,
  service: string,
  source: { arn: string; account?: string },
): boolean {
  return (policy ?? []).some((s) => {
    const principalOk =
      s.Principal === '*' ||
      (typeof s.Principal === 'object' && 'Service' in s.Principal && s.Principal.Service === service);
    if (!principalOk) return false;
    if (!['lambda:InvokeFunction', 'lambda:*', '*'].includes(s.Action)) return false;
    const arnCond = s.Condition?.ArnLike?.['AWS:SourceArn'];
    if (arnCond !== undefined && !wildcardMatch(arnCond, source.arn)) return false;
    const accountCond = s.Condition?.StringEquals?.['AWS:SourceAccount'];
    if (accountCond !== undefined && accountCond !== source.account) return false;
    return true;
  });
}
