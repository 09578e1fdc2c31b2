import { describe, expect, it } from 'vitest';
import { InvalidParameterValueError, ResourceConflictError } from '../errors';
import { addStatement, allowsService, removeStatement, statementFrom, wildcardMatch } from './policy';

const fn = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('resource policy', () => {
  it('lets S3 invoke only for the buckets and account the statement names', () => {
    const s = statementFrom(
      {
        StatementId: 's3',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads-*',
        SourceAccount: '000000000000',
      },
      fn,
    );
    const policy = addStatement(undefined, s);
    expect(
      allowsService(policy, 's3.amazonaws.com', { arn: 'arn:aws:s3:::uploads-eu', account: '000000000000' }),
    ).toBe(true);
    expect(
      allowsService(policy, 's3.amazonaws.com', { arn: 'arn:aws:s3:::other', account: '000000000000' }),
    ).toBe(false);
    expect(
      allowsService(policy, 's3.amazonaws.com', { arn: 'arn:aws:s3:::uploads-eu', account: '111111111111' }),
    ).toBe(false);
    expect(
      allowsService(policy, 'sns.amazonaws.com', { arn: 'arn:aws:s3:::uploads-eu', account: '000000000000' }),
    ).toBe(false);
    expect(
      allowsService(removeStatement(policy, 's3'), 's3.amazonaws.com', { arn: 'arn:aws:s3:::uploads-eu' }),
    ).toBe(false);
  });

  it('refuses duplicate statement ids and malformed input', () => {
    const s = statementFrom(
      { StatementId: 'a', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' },
      fn,
    );
    expect(() => addStatement([s], s)).toThrowError(ResourceConflictError);
    expect(() =>
      statementFrom({ StatementId: 'bad id', Action: 'lambda:InvokeFunction', Principal: 'x' }, fn),
    ).toThrowError(InvalidParameterValueError);
    expect(() => statementFrom({ StatementId: 'a', Action: 'lambda:InvokeFunction' }, fn)).toThrowError(
      /Principal/,
    );
  });

  it('matches IAM wildcards without treating other characters as patterns', () => {
    expect(wildcardMatch('arn:aws:s3:::a.b*', 'arn:aws:s3:::a.bcd')).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::a.b*', 'arn:aws:s3:::axbcd')).toBe(false);
    expect(wildcardMatch('arn:aws:s3:::bucket?', 'arn:aws:s3:::bucket1')).toBe(true);
  });
});
