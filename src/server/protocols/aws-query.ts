import { escapeXml } from '../xml';
import { type Codec, type Encoded, type MemberTypes, WireError } from './codec';

/** Most members of one list a query request may carry (CloudWatch's longest list is 500). */
const maxListMembers = 1000;
/** Most dot-separated parts of one parameter name (CloudWatch's deepest is 8). */
const maxNameSegments = 16;

/** Defines a member as an own property (so `__proto__` is just a name). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A query value in the member's type; unreadable values stay strings for the operation to refuse. */
function typed(raw: string, type: MemberTypes[string] | undefined): unknown {
  switch (type) {
    case 'timestamp': {
      const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
      return Number.isNaN(seconds) ? raw : new Date(seconds);
    }
    case 'integer':
    case 'double':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/**
 * Rebuilds the input from flattened parameters: `A.member.2.B=x` is `{A: [, {B: 'x'}]}`
 * (lists are 1-based and compacted).
 */
function unflatten(params: URLSearchParams, types: MemberTypes): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, raw] of params) {
    if (name === 'Action' || name === 'Version') continue;
    const segments = name.split('.');
    if (segments.length > maxNameSegments)
      throw new WireError(
        'InvalidParameterValue',
        `The parameter name ${name.slice(0, 80)}... is nested too deeply`,
      );
    let node: Record<string, unknown> | unknown[] = root;
    let memberName = '';
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      let key: string | number = seg;
      if (seg === 'member' && /^\d+$/.test(segments[i + 1] ?? '')) {
        key = Number(segments[++i]) - 1;
        if (key < 0 || key >= maxListMembers)
          throw new WireError('InvalidParameterValue', `The list index in ${name} is out of range`);
      } else memberName = seg;
      const last = i === segments.length - 1;
      if (Array.isArray(node) !== (typeof key === 'number'))
        throw new WireError('InvalidParameterValue', `The parameter ${name} mixes a list and a structure`);
      // Own members only: an inherited `__proto__` or `constructor` is never descended into.
      const existing = Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined;
      if (last) {
        const value = typed(raw, types[memberName]);
        if (Array.isArray(node)) node[key as number] = value;
        else setOwn(node, key as string, value);
        break;
      }
      const nextIsList = segments[i + 1] === 'member' && /^\d+$/.test(segments[i + 2] ?? '');
      let child = existing;
      if (child === undefined) {
        child = nextIsList ? [] : {};
        if (Array.isArray(node)) node[key as number] = child;
        else setOwn(node, key as string, child);
      }
      if (child === null || typeof child !== 'object')
        throw new WireError('InvalidParameterValue', `The parameter ${name} conflicts with another`);
      node = child as Record<string, unknown> | unknown[];
    }
  }
  return compact(root) as Record<string, unknown>;
}

function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((item) => item !== undefined).map(compact);
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    for (const [k, item] of Object.entries(v)) setOwn(v as Record<string, unknown>, k, compact(item));
  }
  return v;
}

/** XML of one value: lists as `member`s, `maps` members as `entry` key/value pairs, Dates in ISO 8601. */
function xmlOf(v: unknown, maps: Set<string>, name: string): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((item) => `<member>${xmlOf(item, maps, name)}</member>`).join('');
  if (typeof v === 'object') {
    const entries = Object.entries(v).filter(([, item]) => item !== undefined && item !== null);
    if (maps.has(name)) {
      return entries
        .map(([k, item]) => `<entry><key>${escapeXml(k)}</key><value>${xmlOf(item, maps, k)}</value></entry>`)
        .join('');
    }
    return entries.map(([k, item]) => `<${k}>${xmlOf(item, maps, k)}</${k}>`).join('');
  }
  return escapeXml(String(v));
}

/** The parameters of a query request: the form body, or the URL's query when there is no body. */
export function queryParameters(body: Buffer, query: URLSearchParams): URLSearchParams {
  return body.length ? new URLSearchParams(body.toString('utf8')) : query;
}

/**
 * The awsQuery protocol: form-encoded `Action=Op&Version=V&...` (POST body or GET query), XML
 * responses `<OpResponse><OpResult>...</OpResult><ResponseMetadata/></OpResponse>`. Older AWS
 * CLIs and SDKs speak it to CloudWatch.
 */
export function awsQuery(options: { namespace: string; types: MemberTypes; maps: Set<string> }): Codec {
  const xmlHeaders = { 'Content-Type': 'text/xml' };
  return {
    decode(body, query) {
      return unflatten(queryParameters(body, query), options.types);
    },
    success(output, requestId, operation): Encoded {
      const result = xmlOf(output, options.maps, '');
      return {
        status: 200,
        headers: xmlHeaders,
        body:
          `<${operation}Response xmlns="${options.namespace}"><${operation}Result>${result}</${operation}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
      };
    },
    failure(fault, requestId): Encoded {
      const type = fault.status >= 500 ? 'Receiver' : 'Sender';
      return {
        status: fault.status,
        headers: xmlHeaders,
        body:
          `<ErrorResponse xmlns="${options.namespace}"><Error><Type>${type}</Type><Code>${escapeXml(fault.code)}</Code>` +
          `<Message>${escapeXml(fault.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    },
  };
}
