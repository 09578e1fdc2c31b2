import { dynamodbModel } from './models/dynamodb';
import { type DocOperation, docOperations, translate } from './models/dynamodb-documents';
import { v2Request, v2Service } from './v2';
import { callHost, type ServiceModel } from './v3';

/**
 * AWS.DynamoDB of the v2 SDK (`aws-sdk`), with its DocumentClient and Converter. v2 converts as
 * it always did: sets come back as its DynamoDBSet ({wrapperName: 'Set', values, type}), binary
 * as Buffer, numbers as Number (NumberValue with wrapNumbers); strings given for B are UTF-8.
 */

declare const require: (id: string) => unknown;

interface BufferClass {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
  from(text: string): Uint8Array;
}
let bufferClass: BufferClass | undefined;
/** A Buffer over the same bytes (text as UTF-8), as v2 returns binary values. */
function toBuffer(bytes: Uint8Array | string): Uint8Array {
  bufferClass ??= (require('buffer') as { Buffer: BufferClass }).Buffer;
  return typeof bytes === 'string'
    ? bufferClass.from(bytes)
    : bufferClass.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const binaryTypes = new Set([
  'Buffer',
  'File',
  'Blob',
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
]);

/** v2's type names: 'null', 'Binary', a wrapper's name ('Set', 'NumberValue') or the constructor's. */
function typeOf(data: unknown): string {
  if (data === null) return 'null';
  if (data === undefined) return 'undefined';
  const ctor = (data as { constructor?: { name?: string } }).constructor;
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return 'Binary';
  if (ctor) {
    if (ctor.name && binaryTypes.has(ctor.name)) return 'Binary';
    return (data as { wrapperName?: string }).wrapperName ?? ctor.name ?? 'Object';
  }
  return typeof data === 'object' ? 'Object' : 'undefined';
}

/** v2's NumberValue: a number kept as its decimal text (Converter with wrapNumbers). */
class NumberValue {
  readonly wrapperName = 'NumberValue';
  readonly value: string;
  constructor(value: unknown) {
    this.value = String(value);
  }
  toJSON(): number {
    return this.toNumber();
  }
  toNumber(): number {
    return Number(this.value);
  }
  toString(): string {
    return this.value;
  }
}

const setTypes: Record<string, string> = {
  String: 'String',
  Number: 'Number',
  NumberValue: 'Number',
  Binary: 'Binary',
};

function codedError(code: string, message: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.name = code;
  e.code = code;
  return e;
}

/** v2's DynamoDBSet: what DocumentClient.createSet makes and what reads return for SS/NS/BS. */
class DynamoDBSet {
  readonly wrapperName = 'Set';
  values: unknown[];
  type: string;
  constructor(list: unknown, options: { validate?: boolean } = {}) {
    this.values = ([] as unknown[]).concat(list);
    const type = setTypes[typeOf(this.values[0])];
    if (type === undefined) {
      throw codedError('InvalidSetType', `${typeOf(this.values[0])} is not a valid type for a DynamoDB Set`);
    }
    this.type = type;
    if (options.validate) {
      for (const v of this.values) {
        if (setTypes[typeOf(v)] !== this.type) {
          throw codedError('InvalidType', `${this.type} Set contains ${typeOf(v)} value`);
        }
      }
    }
  }
  toJSON(): unknown[] {
    return this.values;
  }
}

interface ConverterOptions {
  convertEmptyValues?: boolean;
  wrapNumbers?: boolean;
}
type AttributeValue = Record<string, unknown>;

function input(data: unknown, options: ConverterOptions = {}): AttributeValue | undefined {
  const type = typeOf(data);
  switch (type) {
    case 'Object':
      return formatMap(data as object, options);
    case 'Array':
      return { L: (data as unknown[]).map((v) => input(v, options)) };
    case 'Set': {
      const set = data as DynamoDBSet;
      if (options.convertEmptyValues && set.values.length === 0) return { NULL: true };
      if (set.type === 'String') return { SS: set.values };
      if (set.type === 'Binary') return { BS: set.values };
      return { NS: set.values.map((v) => String(v)) };
    }
    case 'String':
      return (data as string).length === 0 && options.convertEmptyValues ? { NULL: true } : { S: data };
    case 'Number':
    case 'NumberValue':
      return { N: String(data) };
    case 'Binary': {
      const size =
        (data as { byteLength?: number; size?: number }).byteLength ?? (data as { size?: number }).size;
      return size === 0 && options.convertEmptyValues ? { NULL: true } : { B: data };
    }
    case 'Boolean':
      return { BOOL: data };
    case 'null':
      return { NULL: true };
    case 'undefined':
    case 'Function':
      return undefined;
    default:
      // A value with its own constructor (class instance, Date, ...) becomes a map of its enumerable members.
      return formatMap(data as object, options);
  }
}

function formatMap(data: object, options: ConverterOptions): AttributeValue {
  const M: Record<string, unknown> = {};
  for (const key in data) {
    const v = input((data as Record<string, unknown>)[key], options);
    if (v !== undefined) M[key] = v;
  }
  return { M };
}

function output(data: AttributeValue, options: ConverterOptions = {}): unknown {
  const number = (v: unknown) => (options.wrapNumbers ? new NumberValue(v) : Number(v));
  for (const type in data) {
    const v = data[type] as never;
    switch (type) {
      case 'M': {
        const map: Record<string, unknown> = {};
        for (const key in v as Record<string, AttributeValue>) map[key] = output(v[key], options);
        return map;
      }
      case 'L':
        return (v as AttributeValue[]).map((item) => output(item, options));
      case 'SS':
        return new DynamoDBSet((v as unknown[]).map((s) => `${s}`));
      case 'NS':
        return new DynamoDBSet((v as unknown[]).map(number));
      case 'BS':
        return new DynamoDBSet((v as Uint8Array[]).map(toBuffer));
      case 'S':
        return `${v}`;
      case 'N':
        return number(v);
      case 'B':
        return toBuffer(v);
      case 'BOOL':
        return v === 'true' || v === 'TRUE' || v === true;
      case 'NULL':
        return null;
    }
  }
  return undefined;
}

/** AWS.DynamoDB.Converter. */
const Converter = {
  input,
  marshall: (data: unknown, options?: ConverterOptions) => input(data, options)?.M,
  output,
  unmarshall: (data: Record<string, AttributeValue>, options?: ConverterOptions) =>
    output({ M: data }, options) as Record<string, unknown>,
};

const byLowLevel: Record<string, DocOperation> = Object.fromEntries(
  Object.values(docOperations).map((d) => [d.op, d]),
);

/** v2 sends a string given for B (or in BS) as its UTF-8 bytes. */
function stringBinaries(av: unknown): unknown {
  if (av === null || typeof av !== 'object' || Array.isArray(av)) return av;
  const a = av as AttributeValue;
  const utf8 = (v: unknown) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
  if (typeof a.B === 'string') return { ...a, B: utf8(a.B) };
  if (Array.isArray(a.BS)) return { ...a, BS: a.BS.map(utf8) };
  if (Array.isArray(a.L)) return { ...a, L: a.L.map(stringBinaries) };
  if (a.M && typeof a.M === 'object') {
    return { ...a, M: Object.fromEntries(Object.entries(a.M).map(([k, v]) => [k, stringBinaries(v)])) };
  }
  return av;
}

/** Every Uint8Array in an output as a Buffer, as v2 returns blobs. */
function buffers(v: unknown): unknown {
  if (v instanceof Uint8Array) return toBuffer(v);
  if (Array.isArray(v)) return v.map(buffers);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, buffers(x)]));
  }
  return v;
}

const v2Model: ServiceModel = {
  ...dynamodbModel,
  input: (op, params) => {
    const doc = byLowLevel[op];
    return doc ? translate(params, doc.input, stringBinaries) : params;
  },
  v2Output: (_op, out) => buffers(out),
};

/** AWS.DynamoDB: the low-level client (methods getItem, putItem, ...). */
const DynamoDB = v2Service(v2Model) as (new (
  options?: Record<string, unknown>,
) => object) &
  Record<string, unknown>;

type Callback = (err: unknown, data?: unknown) => void;

/** AWS.DynamoDB.DocumentClient: native JavaScript values in and out. */
class DocumentClient {
  readonly options: Record<string, unknown> & ConverterOptions;
  readonly service: object;

  constructor(options: Record<string, unknown> & ConverterOptions & { service?: object } = {}) {
    this.options = options;
    this.service = options.service ?? new DynamoDB(options);
  }

  createSet(list: unknown, options?: { validate?: boolean }): DynamoDBSet {
    return new DynamoDBSet(list, options);
  }
}
for (const [name, doc] of Object.entries(docOperations)) {
  if (name.endsWith('Statement') || name === 'ExecuteTransaction') continue; // not in the v2 DocumentClient
  const method = name[0]!.toLowerCase() + name.slice(1);
  Object.defineProperty(DocumentClient.prototype, method, {
    value(this: DocumentClient, params: Record<string, unknown> = {}, cb?: Callback) {
      if (typeof params === 'function') {
        cb = params as Callback;
        params = {};
      }
      const opts = {
        convertEmptyValues: this.options.convertEmptyValues,
        wrapNumbers: this.options.wrapNumbers,
      };
      const bound = (this.options.params as Record<string, unknown> | undefined) ?? {};
      return v2Request(async () => {
        const low = translate({ ...bound, ...params }, doc.input, (v) => input(v, opts)) as Record<
          string,
          unknown
        >;
        const out = await callHost(dynamodbModel, doc.op, low);
        return translate(out, doc.output, (v) => output(v as AttributeValue, opts));
      }, cb);
    },
    enumerable: false,
  });
}

DynamoDB.DocumentClient = DocumentClient;
DynamoDB.Converter = Converter;

export { DynamoDB, DynamoDBSet, NumberValue };
