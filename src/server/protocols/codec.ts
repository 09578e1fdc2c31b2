/** A service error as every wire protocol carries it: the error code, its message and HTTP status. */
export interface Fault {
  /** The error code clients see (`InvalidParameterException`, `InvalidParameterValue`, ...). */
  code: string;
  message: string;
  status: number;
}

/** An encoded response: what the route sends back as it is. */
export interface Encoded {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/**
 * One wire protocol (JSON, CBOR, query). Operations read and write plain objects; timestamps are
 * Date on both sides (each codec turns them into its own form).
 */
export interface Codec {
  /** The operation's input; throws WireError when the request is not in the protocol's format. */
  decode(body: Buffer, query: URLSearchParams): Record<string, unknown>;
  success(output: Record<string, unknown>, requestId: string, operation: string): Encoded;
  failure(fault: Fault, requestId: string): Encoded;
}

/** A request whose body is not in the protocol's format. */
export class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The types a protocol cannot tell from the wire itself, by member name. */
export type MemberTypes = Record<string, 'timestamp' | 'integer' | 'double' | 'boolean'>;

/** Nesting no operation's input comes near; deeper input is refused rather than recursed into. */
const maxDepth = 32;

/**
 * Copies a decoded value into plain objects and arrays, applying `convert` to every member
 * (with its name): own enumerable members only, so a `__proto__` key stays an ordinary member
 * and never becomes a prototype.
 */
export function plain(
  value: unknown,
  convert: (v: unknown, key: string) => unknown,
  key = '',
  depth = 0,
): unknown {
  if (depth > maxDepth) throw new WireError('SerializationException', 'The request is nested too deeply');
  const v = convert(value, key);
  if (v instanceof Date || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((item) => plain(item, convert, key, depth + 1));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, plain(item, convert, k, depth + 1)]));
  }
  return v;
}
