import { describe, expect, it } from 'vitest';
import {
  evaluate,
  MalformedPolicyDocumentError,
  type PolicyKind,
  parsePolicy,
} from '../../src/control/iam-policy';

const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const doc = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (Action: unknown, Resource: unknown, extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: unknown, Resource: unknown, extra: object = {}) => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});

function decide(documents: string[], action: string, resource: string, context?: Record<string, string>) {
  return evaluate(documents, { action, resource, context }).decision;
}

describe('evaluate: allow / deny matrix', () => {
  const invokeA = doc(allow('lambda:InvokeFunction', fnArn('a')));
  const cases: Array<[string, string[], string, string, string]> = [
    ['exact allow', [invokeA], 'lambda:InvokeFunction', fnArn('a'), 'allow'],
    ['other resource', [invokeA], 'lambda:InvokeFunction', fnArn('b'), 'implicit-deny'],
    ['other action', [invokeA], 'lambda:GetFunction', fnArn('a'), 'implicit-deny'],
    ['actions are case-insensitive', [invokeA], 'LAMBDA:invokefunction', fnArn('a'), 'allow'],
    ['resources are case-sensitive', [invokeA], 'lambda:InvokeFunction', fnArn('A'), 'implicit-deny'],
    ['no documents', [], 'lambda:InvokeFunction', fnArn('a'), 'implicit-deny'],
    ['* on *', [doc(allow('*', '*'))], 's3:GetObject', 'arn:aws:s3:::b/k', 'allow'],
    ['service wildcard', [doc(allow('lambda:*', '*'))], 'lambda:InvokeFunction', fnArn('x'), 'allow'],
    ['service wildcard, other service', [doc(allow('lambda:*', '*'))], 's3:GetObject', '*', 'implicit-deny'],
    ['prefix wildcard', [doc(allow('lambda:Get*', '*'))], 'lambda:GetFunction', fnArn('x'), 'allow'],
    [
      'prefix wildcard miss',
      [doc(allow('lambda:Get*', '*'))],
      'lambda:InvokeFunction',
      fnArn('x'),
      'implicit-deny',
    ],
    ['? is one character', [doc(allow('s3:GetObjec?', '*'))], 's3:GetObject', '*', 'allow'],
    ['? is not zero characters', [doc(allow('s3:GetObject?', '*'))], 's3:GetObject', '*', 'implicit-deny'],
    [
      'resource wildcard',
      [doc(allow('lambda:*', fnArn('app-*')))],
      'lambda:InvokeFunction',
      fnArn('app-1'),
      'allow',
    ],
    [
      'resource wildcard miss',
      [doc(allow('lambda:*', fnArn('app-*')))],
      'lambda:InvokeFunction',
      fnArn('ap'),
      'implicit-deny',
    ],
    [
      'resource ? wildcard',
      [doc(allow('lambda:*', fnArn('f?')))],
      'lambda:InvokeFunction',
      fnArn('f1'),
      'allow',
    ],
    [
      'regex characters are literal',
      [doc(allow('lambda:*', fnArn('a.c')))],
      'lambda:Invoke',
      fnArn('abc'),
      'implicit-deny',
    ],
    [
      'array of actions',
      [doc(allow(['s3:PutObject', 'lambda:InvokeFunction'], fnArn('a')))],
      'lambda:InvokeFunction',
      fnArn('a'),
      'allow',
    ],
    [
      'array of resources',
      [doc(allow('lambda:*', [fnArn('b'), fnArn('a')]))],
      'lambda:InvokeFunction',
      fnArn('a'),
      'allow',
    ],
    [
      'NotAction allows the rest',
      [doc({ Effect: 'Allow', NotAction: 'lambda:DeleteFunction', Resource: '*' })],
      'lambda:InvokeFunction',
      fnArn('a'),
      'allow',
    ],
    [
      'NotAction excludes its action',
      [doc({ Effect: 'Allow', NotAction: 'lambda:Delete*', Resource: '*' })],
      'lambda:DeleteFunction',
      fnArn('a'),
      'implicit-deny',
    ],
    [
      'NotResource allows the rest',
      [doc({ Effect: 'Allow', Action: 'lambda:*', NotResource: fnArn('secret') })],
      'lambda:InvokeFunction',
      fnArn('a'),
      'allow',
    ],
    [
      'NotResource excludes its resource',
      [doc({ Effect: 'Allow', Action: 'lambda:*', NotResource: fnArn('secret') })],
      'lambda:InvokeFunction',
      fnArn('secret'),
      'implicit-deny',
    ],
    [
      'Deny wins in the same document',
      [doc(allow('*', '*'), deny('lambda:InvokeFunction', fnArn('a')))],
      'lambda:InvokeFunction',
      fnArn('a'),
      'explicit-deny',
    ],
    [
      'Deny wins across documents',
      [doc(allow('*', '*')), doc(deny('lambda:*', '*'))],
      'lambda:InvokeFunction',
      fnArn('a'),
      'explicit-deny',
    ],
    [
      'Deny elsewhere leaves the allow',
      [doc(allow('*', '*'), deny('lambda:InvokeFunction', fnArn('b')))],
      'lambda:InvokeFunction',
      fnArn('a'),
      'allow',
    ],
    [
      'Deny with NotResource',
      [doc(allow('*', '*'), { Effect: 'Deny', Action: '*', NotResource: fnArn('a') })],
      'lambda:InvokeFunction',
      fnArn('b'),
      'explicit-deny',
    ],
    ['Deny alone is still a deny', [doc(deny('s3:*', '*'))], 's3:GetObject', '*', 'explicit-deny'],
  ];
  it.each(cases)('%s', (_name, documents, action, resource, expected) => {
    expect(decide(documents, action, resource)).toBe(expected);
  });

  it('names the statement and the document that decided', () => {
    const docs = [
      doc({ Sid: 'All', ...allow('*', '*') }),
      doc({ Sid: 'NoInvoke', ...deny('lambda:InvokeFunction', '*') }),
    ];
    const denied = evaluate(docs, { action: 'lambda:InvokeFunction', resource: fnArn('a') });
    expect(denied).toMatchObject({ decision: 'explicit-deny', document: 1, statement: { sid: 'NoInvoke' } });
    const allowed = evaluate(docs, { action: 'lambda:GetFunction', resource: fnArn('a') });
    expect(allowed).toMatchObject({ decision: 'allow', document: 0, statement: { sid: 'All' } });
    expect(evaluate([], { action: 'x:y', resource: '*' })).toEqual({ decision: 'implicit-deny' });
  });
});

describe('evaluate: conditions', () => {
  const withCondition = (Condition: object) => [doc(allow('lambda:InvokeFunction', '*', { Condition }))];
  const source = 'arn:aws:s3:::uploads';
  const cases: Array<[string, object, Record<string, string> | undefined, string]> = [
    [
      'StringEquals match',
      { StringEquals: { 'aws:SourceAccount': '000000000000' } },
      { 'aws:SourceAccount': '000000000000' },
      'allow',
    ],
    [
      'StringEquals mismatch',
      { StringEquals: { 'aws:SourceAccount': '000000000000' } },
      { 'aws:SourceAccount': '1' },
      'implicit-deny',
    ],
    [
      'StringEquals is case-sensitive',
      { StringEquals: { 'aws:SourceAccount': 'Abc' } },
      { 'aws:SourceAccount': 'abc' },
      'implicit-deny',
    ],
    [
      'key names are case-insensitive',
      { StringEquals: { 'AWS:SOURCEACCOUNT': 'x' } },
      { 'aws:SourceAccount': 'x' },
      'allow',
    ],
    ['StringEquals missing key', { StringEquals: { 'aws:SourceAccount': 'x' } }, undefined, 'implicit-deny'],
    [
      'values are ORed',
      { StringEquals: { 'aws:SourceAccount': ['a', 'b'] } },
      { 'aws:SourceAccount': 'b' },
      'allow',
    ],
    [
      'keys are ANDed',
      { StringEquals: { 'aws:SourceAccount': 'a', 'aws:SourceArn': source } },
      { 'aws:SourceAccount': 'a' },
      'implicit-deny',
    ],
    [
      'operators are ANDed',
      { StringEquals: { 'aws:SourceAccount': 'a' }, ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::up*' } },
      { 'aws:SourceAccount': 'a', 'aws:SourceArn': source },
      'allow',
    ],
    [
      'StringNotEquals match',
      { StringNotEquals: { 'aws:SourceAccount': 'a' } },
      { 'aws:SourceAccount': 'b' },
      'allow',
    ],
    [
      'StringNotEquals mismatch',
      { StringNotEquals: { 'aws:SourceAccount': ['a', 'b'] } },
      { 'aws:SourceAccount': 'b' },
      'implicit-deny',
    ],
    [
      'StringNotEquals missing key passes',
      { StringNotEquals: { 'aws:SourceAccount': 'a' } },
      undefined,
      'allow',
    ],
    [
      'StringLike wildcard',
      { StringLike: { 'aws:SourceArn': 'arn:aws:s3:::up*' } },
      { 'aws:SourceArn': source },
      'allow',
    ],
    [
      'StringLike miss',
      { StringLike: { 'aws:SourceArn': 'arn:aws:s3:::down*' } },
      { 'aws:SourceArn': source },
      'implicit-deny',
    ],
    [
      'StringNotLike',
      { StringNotLike: { 'aws:SourceArn': 'arn:aws:s3:::down*' } },
      { 'aws:SourceArn': source },
      'allow',
    ],
    [
      'StringNotLike miss',
      { StringNotLike: { 'aws:SourceArn': '*uploads' } },
      { 'aws:SourceArn': source },
      'implicit-deny',
    ],
    ['ArnEquals', { ArnEquals: { 'aws:SourceArn': source } }, { 'aws:SourceArn': source }, 'allow'],
    [
      'ArnLike per component',
      { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } },
      { 'aws:SourceArn': source },
      'allow',
    ],
    [
      'ArnLike * matches any ARN',
      { ArnLike: { 'aws:SourceArn': '*' } },
      { 'aws:SourceArn': source },
      'allow',
    ],
    [
      'ArnLike does not match a non-ARN',
      { ArnLike: { 'aws:SourceArn': '*' } },
      { 'aws:SourceArn': 'uploads' },
      'implicit-deny',
    ],
    [
      'ArnLike wrong service',
      { ArnLike: { 'aws:SourceArn': 'arn:aws:sns:::*' } },
      { 'aws:SourceArn': source },
      'implicit-deny',
    ],
    [
      'IfExists passes a missing key',
      { StringEqualsIfExists: { 'aws:SourceAccount': 'a' } },
      undefined,
      'allow',
    ],
    [
      'IfExists still tests a present key',
      { StringEqualsIfExists: { 'aws:SourceAccount': 'a' } },
      { 'aws:SourceAccount': 'b' },
      'implicit-deny',
    ],
    [
      'StringEqualsIgnoreCase',
      { StringEqualsIgnoreCase: { 'aws:SourceAccount': 'ABC' } },
      { 'aws:SourceAccount': 'abc' },
      'allow',
    ],
  ];
  it.each(cases)('%s', (_name, condition, context, expected) => {
    expect(decide(withCondition(condition), 'lambda:InvokeFunction', fnArn('a'), context)).toBe(expected);
  });

  it('a Deny whose condition does not hold does not apply', () => {
    const docs = [
      doc(
        allow('*', '*'),
        deny('lambda:InvokeFunction', '*', {
          Condition: { StringNotEquals: { 'aws:SourceAccount': 'mine' } },
        }),
      ),
    ];
    expect(decide(docs, 'lambda:InvokeFunction', fnArn('a'), { 'aws:SourceAccount': 'mine' })).toBe('allow');
    expect(decide(docs, 'lambda:InvokeFunction', fnArn('a'), { 'aws:SourceAccount': 'theirs' })).toBe(
      'explicit-deny',
    );
  });
});

describe('evaluate: principals (trust and resource policies)', () => {
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  it('matches the service principal only', () => {
    const req = (id: string) => ({
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::000000000000:role/r',
      principal: { type: 'Service' as const, id },
    });
    expect(evaluate([trust], req('lambda.amazonaws.com')).decision).toBe('allow');
    expect(evaluate([trust], req('ec2.amazonaws.com')).decision).toBe('implicit-deny');
    expect(evaluate([trust], { action: 'sts:AssumeRole', resource: '*' }).decision).toBe('implicit-deny');
  });

  it('matches account principals and *', () => {
    const policy = (Principal: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal, Action: 's3:GetObject', Resource: '*' },
      });
    const who = { type: 'AWS' as const, id: 'arn:aws:iam::111122223333:user/ann' };
    const req = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', principal: who };
    expect(evaluate([policy({ AWS: '111122223333' })], req).decision).toBe('allow');
    expect(evaluate([policy({ AWS: 'arn:aws:iam::111122223333:root' })], req).decision).toBe('allow');
    expect(evaluate([policy({ AWS: who.id })], req).decision).toBe('allow');
    expect(evaluate([policy({ AWS: 'arn:aws:iam::111122223333:user/bob' })], req).decision).toBe(
      'implicit-deny',
    );
    expect(evaluate([policy({ AWS: '999999999999' })], req).decision).toBe('implicit-deny');
    expect(evaluate([policy('*')], req).decision).toBe('allow');
    expect(evaluate([policy({ AWS: '*' })], req).decision).toBe('allow');
  });
});

describe('parsePolicy: malformed documents', () => {
  const bad: Array<[string, string, string, PolicyKind?]> = [
    ['not JSON', '{"Version":', 'Syntax errors in policy.'],
    ['not an object', '[1]', 'Syntax errors in policy.'],
    [
      'unknown top-level key',
      JSON.stringify({ Version: '2012-10-17', Statement: [allow('*', '*')], Extra: 1 }),
      'Syntax errors in policy.',
    ],
    [
      'unknown version',
      JSON.stringify({ Version: '2012-10-18', Statement: [allow('*', '*')] }),
      'Syntax errors in policy.',
    ],
    [
      'missing version',
      JSON.stringify({ Statement: [allow('*', '*')] }),
      'Policy document must be version 2012-10-17 or greater.',
    ],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), 'Syntax errors in policy.'],
    ['empty Statement list', doc(), 'Syntax errors in policy.'],
    [
      'Statement is a string',
      JSON.stringify({ Version: '2012-10-17', Statement: 'x' }),
      'Syntax errors in policy.',
    ],
    ['unknown statement key', doc({ ...allow('*', '*'), Actions: 'x' }), 'Syntax errors in policy.'],
    ['missing Effect', doc({ Action: '*', Resource: '*' }), 'Syntax errors in policy.'],
    [
      'Effect neither Allow nor Deny',
      doc({ Effect: 'Maybe', Action: '*', Resource: '*' }),
      'Syntax errors in policy.',
    ],
    [
      'Effect in the wrong case',
      doc({ Effect: 'allow', Action: '*', Resource: '*' }),
      'The policy failed legacy parsing',
    ],
    ['Action and NotAction', doc({ ...allow('*', '*'), NotAction: 's3:*' }), 'Syntax errors in policy.'],
    ['Resource and NotResource', doc({ ...allow('*', '*'), NotResource: '*' }), 'Syntax errors in policy.'],
    ['Action not a string', doc(allow(5, '*')), 'Syntax errors in policy.'],
    ['Action list with a number', doc(allow(['s3:GetObject', 1], '*')), 'Syntax errors in policy.'],
    ['no Action', doc({ Effect: 'Allow', Resource: '*' }), 'Policy statement must contain actions.'],
    ['empty Action list', doc(allow([], '*')), 'Policy statement must contain actions.'],
    ['no Resource', doc({ Effect: 'Allow', Action: '*' }), 'Policy statement must contain resources.'],
    ['empty Resource list', doc(allow('*', [])), 'Policy statement must contain resources.'],
    [
      'action without vendor',
      doc(allow('InvokeFunction', '*')),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'action with two colons',
      doc(allow('lambda:a:b', '*')),
      'Actions/Condition can contain only one colon.',
    ],
    ['bad vendor', doc(allow('lam bda:Invoke', '*')), 'Vendor lam bda is not valid'],
    [
      'resource not an ARN',
      doc(allow('s3:*', 'mybucket')),
      'Resource mybucket must be in ARN format or "*".',
    ],
    [
      'resource partition',
      doc(allow('s3:*', 'arn:foo:s3:::b')),
      'Partition "foo" is not valid for resource "arn:foo:s3:::b".',
    ],
    [
      'resource vendor wildcard',
      doc(allow('s3:*', 'arn:aws:s*:::b')),
      'Resource vendor must be fully qualified and cannot contain regexes.',
    ],
    [
      'duplicate Sid',
      doc({ Sid: 'A', ...allow('*', '*') }, { Sid: 'A', ...deny('*', '*') }),
      'Statement IDs (SID) in a single policy must be unique.',
    ],
    [
      'Sid not alphanumeric',
      doc({ Sid: 'a-b', ...allow('*', '*') }),
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    ],
    ['Sid not a string', doc({ Sid: 1, ...allow('*', '*') }), 'Syntax errors in policy.'],
    [
      'Principal in an identity policy',
      doc({ ...allow('*', '*'), Principal: '*' }),
      'Policy document should not specify a principal.',
    ],
    ['Condition not an object', doc(allow('*', '*', { Condition: 'x' })), 'Syntax errors in policy.'],
    [
      'Condition block not an object',
      doc(allow('*', '*', { Condition: { StringEquals: 'x' } })),
      'Syntax errors in policy.',
    ],
    [
      'Condition value an object',
      doc(allow('*', '*', { Condition: { StringEquals: { 'aws:x': { a: 1 } } } })),
      'Syntax errors in policy.',
    ],
    [
      'Condition key without vendor',
      doc(allow('*', '*', { Condition: { StringEquals: { SourceArn: 'x' } } })),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'unknown condition operator',
      doc(allow('*', '*', { Condition: { StringEqualz: { 'aws:x': 'y' } } })),
      'Syntax errors in policy. Unknown condition operator: StringEqualz',
    ],
    [
      'IAM operator islet does not evaluate',
      doc(allow('*', '*', { Condition: { NumericLessThan: { 'aws:x': '1' } } })),
      'Condition operator NumericLessThan is not supported by islet; supported: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (each also with IfExists)',
    ],
    [
      'IfExists of an operator islet does not evaluate',
      doc(allow('*', '*', { Condition: { BoolIfExists: { 'aws:SecureTransport': 'true' } } })),
      'Condition operator BoolIfExists is not supported by islet; supported: StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike, ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (each also with IfExists)',
    ],
    [
      'set operators',
      doc(allow('*', '*', { Condition: { 'ForAnyValue:StringEquals': { 'aws:x': 'y' } } })),
      'Condition set operators (ForAnyValue:) are not supported by islet; use a single-valued operator',
    ],
    [
      'policy variables',
      doc(allow('s3:*', `arn:aws:s3:::home/\${aws:username}/*`)),
      `Policy variables (\${...}) are not supported by islet yet; write the values out`,
    ],
    [
      'trust policy with Resource',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' },
      }),
      'Has prohibited field Resource.',
      'trust',
    ],
    [
      'trust policy without Principal',
      JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } }),
      'Missing required field Principal.',
      'trust',
    ],
    [
      'resource policy without Principal',
      doc(allow('s3:*', '*')),
      'Missing required field Principal.',
      'resource',
    ],
    [
      'unknown principal type',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: { Robot: 'x' }, Action: 'sts:AssumeRole' },
      }),
      'Invalid principal in policy: "Robot":"x"',
      'trust',
    ],
    [
      'principal neither * nor object',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Principal: 'me', Action: 'sts:AssumeRole' },
      }),
      'Invalid principal in policy: "me"',
      'trust',
    ],
  ];
  it.each(bad)('%s', (_name, text, message, kind = 'identity') => {
    let error: unknown;
    try {
      parsePolicy(text, kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedPolicyDocumentError);
    expect((error as MalformedPolicyDocumentError).code).toBe('MalformedPolicyDocument');
    expect((error as Error).message).toBe(message);
  });

  it('accepts both versions, a single statement object and policy variables in 2008-10-17', () => {
    const v2008 = JSON.stringify({
      Version: '2008-10-17',
      Id: 'x',
      Statement: {
        Sid: 'One',
        Effect: 'Allow',
        Action: 's3:*',
        Resource: `arn:aws:s3:::home/\${aws:username}`,
      },
    });
    const parsed = parsePolicy(v2008);
    expect(parsed).toMatchObject({
      version: '2008-10-17',
      id: 'x',
      statements: [{ sid: 'One', actions: ['s3:*'] }],
    });
    expect(parsePolicy(doc(allow('*', '*'))).statements).toHaveLength(1);
  });

  it('throws the same error when evaluating a malformed text document', () => {
    expect(() => evaluate(['nope'], { action: 'a:b', resource: '*' })).toThrow('Syntax errors in policy.');
  });
});
