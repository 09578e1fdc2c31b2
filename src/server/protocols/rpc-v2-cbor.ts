import { cbor, dateToTag, tagSymbol } from '@smithy/core/cbor';
import { type Codec, type Encoded, plain, WireError } from './codec';
import type { ErrorNaming } from './json-rpc';

const headers = { 'Content-Type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };

/** A CBOR tagged item as the decoder returns it. */
interface Tagged {
  tag: number;
  value: unknown;
}

function isTagged(v: unknown): v is Tagged {
  return v !== null && typeof v === 'object' && (v as Record<symbol, unknown>)[tagSymbol] === true;
}

/** An output as CBOR takes it: Dates as tag 1 (epoch seconds), absent (undefined) members left out. */
function forCbor(v: unknown): unknown {
  if (v instanceof Date) return dateToTag(v);
  if (Array.isArray(v)) return v.map(forCbor);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).flatMap(([k, item]) => (item === undefined ? [] : [[k, forCbor(item)]])),
    );
  }
  return v;
}

/**
 * Smithy RPC v2 CBOR (`POST /service/S/operation/Op`, `smithy-protocol: rpc-v2-cbor`): a CBOR map
 * each way, timestamps as tag 1 (epoch seconds). What the AWS CLI sends CloudWatch today.
 */
export function rpcV2Cbor(errors: ErrorNaming): Codec {
  return {
    decode(body) {
      if (body.length === 0) return {};
      let value: unknown;
      try {
        value = cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.length));
      } catch {
        throw new WireError('SerializationException', 'The request body is not valid CBOR');
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value) || isTagged(value)) {
        throw new WireError('SerializationException', 'The request body must be a CBOR map');
      }
      return plain(value, (v) => {
        if (!isTagged(v)) return v;
        if (v.tag === 1 && typeof v.value === 'number') return new Date(v.value * 1000);
        throw new WireError('SerializationException', `CBOR tag ${v.tag} is not supported here`);
      }) as Record<string, unknown>;
    },
    success(output): Encoded {
      return { status: 200, headers, body: cbor.serialize(forCbor(output)) };
    },
    failure(fault): Encoded {
      const queryError = errors.queryError?.(fault);
      return {
        status: fault.status,
        headers: queryError ? { ...headers, 'x-amzn-query-error': queryError } : headers,
        body: cbor.serialize({ __type: errors.type(fault.code), message: fault.message }),
      };
    },
  };
}
