import { describe, expect, it } from 'vitest';
import { formParameters } from './form-parameters';

describe('formParameters', () => {
  it('merges the query and the body, one value per name', () => {
    const out = formParameters(new URLSearchParams('Action=GetRole&Version=1'), Buffer.from('RoleName=r'));
    expect(out).toEqual({
      params: new Map([
        ['Action', 'GetRole'],
        ['Version', '1'],
        ['RoleName', 'r'],
      ]),
    });
    // The same value twice is the same parameter.
    expect(formParameters(new URLSearchParams('A=1'), Buffer.from('A=1'))).toEqual({
      params: new Map([['A', '1']]),
    });
  });

  it('refuses a name given twice with different values, wherever they are', () => {
    expect(formParameters(new URLSearchParams('RoleName=a'), Buffer.from('RoleName=b'))).toEqual({
      conflict: 'RoleName',
    });
    expect(formParameters(new URLSearchParams('RoleName=a&RoleName=b'), undefined)).toEqual({
      conflict: 'RoleName',
    });
    expect(formParameters(new URLSearchParams(), Buffer.from('UserName=a&UserName=b'))).toEqual({
      conflict: 'UserName',
    });
  });
});
