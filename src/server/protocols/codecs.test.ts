import { cbor, dateToTag } from '@smithy/core/cbor';
import { describe, expect, it } from 'vitest';
import { awsQuery } from './aws-query';
import { WireError } from './codec';
import { awsJson, plainErrorNames } from './json-rpc';
import { MemberError, members } from './members';
import { rpcV2Cbor } from './rpc-v2-cbor';

const types = { StartTime: 'timestamp', Period: 'integer', ReturnData: 'boolean' } as const;
const none = new URLSearchParams();

describe('awsQuery', () => {
  const codec = awsQuery({ namespace: 'urn:test', types, maps: new Set(['Extended']) });
  const decode = (form: string) => codec.decode(Buffer.from(form), none);

  it('rebuilds lists and structures from flattened names and types members it knows', () => {
    expect(
      decode(
        'Action=Op&Version=1&Period=60&StartTime=2026-01-02T03%3A04%3A05Z&Q.member.2.Id=b&Q.member.1.Id=a' +
          '&Q.member.1.ReturnData=false&S.member.1=Sum&S.member.3=Max',
      ),
    ).toEqual({
      Period: 60,
      StartTime: new Date('2026-01-02T03:04:05Z'),
      Q: [{ Id: 'a', ReturnData: false }, { Id: 'b' }],
      S: ['Sum', 'Max'],
    });
    // Unreadable typed values stay strings for the operation to refuse.
    expect(decode('Period=sixty&StartTime=yesterday')).toEqual({ Period: 'sixty', StartTime: 'yesterday' });
  });

  it('refuses huge list indexes, lists mixed with structures, and deep names', () => {
    for (const form of [
      'S.member.1001=x',
      'S.member.0=x',
      'S.member.1=x&S.Name=y',
      `${'a.'.repeat(40)}b=1`,
    ]) {
      expect(() => decode(form)).toThrow(WireError);
    }
  });

  it('keeps __proto__ an ordinary member', () => {
    const input = decode('__proto__.Period=1&A.__proto__=2&constructor.prototype.Polluted=3&toString.x=4');
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    expect(Object.keys(input)).toEqual(['__proto__', 'A', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(input, '__proto__')?.value).toEqual({ Period: 1 });
    expect(({} as Record<string, unknown>).Period).toBeUndefined();
    expect(({} as Record<string, unknown>).Polluted).toBeUndefined();
  });

  it('writes lists as members, maps as entries, dates in ISO 8601, text escaped', () => {
    const out = codec.success(
      { L: [{ T: new Date(0) }], Extended: { p99: 1.5 }, Text: '<a&b>', Skip: undefined },
      'rid',
      'Op',
    );
    expect(out.body).toBe(
      '<OpResponse xmlns="urn:test"><OpResult><L><member><T>1970-01-01T00:00:00.000Z</T></member></L>' +
        '<Extended><entry><key>p99</key><value>1.5</value></entry></Extended><Text>&lt;a&amp;b&gt;</Text>' +
        '</OpResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></OpResponse>',
    );
  });
});

describe('awsJson', () => {
  const codec = awsJson('1.0', types, plainErrorNames);

  it('reads timestamp members as epoch seconds and writes Dates back the same way', () => {
    const input = codec.decode(Buffer.from('{"StartTime":1767323045.5,"Other":1767323045}'), none);
    expect(input).toEqual({ StartTime: new Date(1767323045500), Other: 1767323045 });
    expect(JSON.parse(codec.success({ T: new Date(1500), N: 2 }, 'r', 'Op').body as string)).toEqual({
      T: 1.5,
      N: 2,
    });
  });

  it('refuses bodies that are not one JSON object, and deep nesting', () => {
    for (const body of ['nope', '[]', 'null', '3', `{"a":${'['.repeat(100)}${']'.repeat(100)}}`]) {
      expect(() => codec.decode(Buffer.from(body), none)).toThrow(WireError);
    }
  });
});

describe('Smithy RPC v2 CBOR', () => {
  const codec = rpcV2Cbor({ type: (c) => `ns#${c}`, queryError: (f) => `${f.code};Sender` });

  it('reads tag 1 as a Date, writes Dates as tag 1 and leaves absent members out', () => {
    const body = Buffer.from(cbor.serialize({ StartTime: dateToTag(new Date(2000)), N: 1.5 }));
    expect(codec.decode(body, none)).toEqual({ StartTime: new Date(2000), N: 1.5 });
    const out = codec.success({ T: new Date(3000), Gone: undefined, L: [new Date(0)] }, 'r', 'Op');
    const back = cbor.deserialize(out.body as Uint8Array);
    expect(Object.keys(back)).toEqual(['T', 'L']);
    expect(back.T).toMatchObject({ tag: 1, value: 3 });
    expect(out.headers['smithy-protocol']).toBe('rpc-v2-cbor');
  });

  it('refuses bodies that are not a CBOR map and tags other than timestamps', () => {
    for (const bytes of [[0xff], [0x83, 0x01], [0x9b, 0, 0, 0, 1, 0, 0, 0, 0]]) {
      expect(() => codec.decode(Buffer.from(bytes), none)).toThrow(WireError);
    }
    const tagged = Buffer.from(cbor.serialize({ A: { tag: 2, value: 1, [Symbol.for('x')]: 1 } }));
    expect(codec.decode(tagged, none)).toEqual({ A: { tag: 2, value: 1 } });
  });

  it('names errors by their shape and carries the query code in a header', () => {
    const out = codec.failure({ code: 'InvalidParameterValue', message: 'm', status: 400 }, 'r');
    expect(out.status).toBe(400);
    expect(out.headers['x-amzn-query-error']).toBe('InvalidParameterValue;Sender');
    expect(cbor.deserialize(out.body as Uint8Array)).toEqual({
      __type: 'ns#InvalidParameterValue',
      message: 'm',
    });
  });
});

describe('members', () => {
  it('names the member, the value and the constraint, whatever the value is', () => {
    const m = members({ Period: 2n ** 70n, Name: 'x'.repeat(300), Empty: null });
    expect(() => m.integer('Period')).toThrow(
      "1 validation error detected: Value '1180591620717411303424' at 'Period' failed to satisfy constraint: Member must be an integer",
    );
    expect(() => m.string('Name', { max: 10 })).toThrow(/Value 'x{100}\.\.\.' at 'Name'/);
    expect(m.string('Empty')).toBeUndefined();
    expect(() => m.string('Empty', { required: true })).toThrow(MemberError);
    expect(m.raw('toString')).toBeUndefined();
  });
});
