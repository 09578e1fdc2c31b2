import { describe, expect, it } from 'vitest';
import {
  accountRootArn,
  eventSourceMappingArn,
  functionArn,
  kinesisStreamArn,
  logGroupArn,
  parseTableStreamArn,
  roleArn,
  ruleArn,
  s3Arn,
  tableArn,
  tableStreamArn,
  userArn,
} from './arns';

const a = { region: 'eu-west-1', accountId: '123456789012' };

describe('ARNs', () => {
  it('are built in the forms AWS uses', () => {
    expect(functionArn(a, 'fn')).toBe('arn:aws:lambda:eu-west-1:123456789012:function:fn');
    expect(eventSourceMappingArn(a, 'u-1')).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:u-1',
    );
    expect(s3Arn('b')).toBe('arn:aws:s3:::b');
    expect(s3Arn('b', 'a/k.txt')).toBe('arn:aws:s3:::b/a/k.txt');
    expect(s3Arn('b', '')).toBe('arn:aws:s3:::b/');
    expect(tableArn(a, 't')).toBe('arn:aws:dynamodb:eu-west-1:123456789012:table/t');
    expect(kinesisStreamArn(a, 's')).toBe('arn:aws:kinesis:eu-west-1:123456789012:stream/s');
    expect(ruleArn(a, 'r')).toBe('arn:aws:events:eu-west-1:123456789012:rule/r');
    expect(ruleArn(a, 'r', 'default')).toBe('arn:aws:events:eu-west-1:123456789012:rule/r');
    expect(ruleArn(a, 'r', 'orders')).toBe('arn:aws:events:eu-west-1:123456789012:rule/orders/r');
    expect(logGroupArn(a, '/aws/lambda/fn')).toBe(
      'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/fn',
    );
    expect(roleArn('123456789012', '/', 'r')).toBe('arn:aws:iam::123456789012:role/r');
    expect(userArn('123456789012', '/team/', 'u')).toBe('arn:aws:iam::123456789012:user/team/u');
    expect(accountRootArn('123456789012')).toBe('arn:aws:iam::123456789012:root');
  });

  it('a table stream ARN parses back into its parts', () => {
    const arn = tableStreamArn(a, 'orders', '2026-11-26T10:00:00.000');
    expect(arn).toBe('arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-11-26T10:00:00.000');
    expect(parseTableStreamArn(arn)).toEqual({ ...a, table: 'orders', label: '2026-11-26T10:00:00.000' });
  });
});
