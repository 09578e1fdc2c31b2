/**
 * Frames between the front process and its executors, over a Unix socket pair:
 *   u32 length of the rest | u8 type | u32 id | u32 meta length | meta (JSON) | body (raw bytes)
 * The body is the invocation payload or result, passed through untouched.
 */
export const FrameType = {
  /** front -> executor: meta {spec, invoke}, body = event JSON text */
  Invoke: 1,
  /** executor -> front: meta InvocationResultMeta, body = result JSON text */
  Result: 2,
  /** front -> executor: meta {functionName}; drop that function's idle environments */
  Retire: 3,
  /** executor -> front: meta {environments, memoryBytes}, in answer to Stats */
  Stats: 4,
  /** executor -> front: the Invoke named a spec key the executor no longer has; resend with the spec */
  NeedSpec: 5,
  /** executor -> front: meta CallMeta (a function's service call), body = input wire text */
  Call: 6,
  /** front -> executor: meta {ok}, body = output or error wire text; id = the Call's id */
  CallResult: 7,
} as const;

/** A service call forwarded by an executor: who made it and what it asks for. */
export interface CallMeta {
  service: string;
  op: string;
  functionName: string;
  functionArn: string;
  requestId?: string;
  /** Date.now() after which the answer is of no use. */
  deadlineMs: number;
}

export interface Frame {
  type: number;
  id: number;
  meta: string;
  body: Buffer;
}

const headerBytes = 13;

/** Encodes one frame. */
export function encodeFrame(type: number, id: number, meta: string, body: Buffer | string = ''): Buffer {
  const metaLen = Buffer.byteLength(meta);
  const bodyLen = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const buf = Buffer.allocUnsafe(headerBytes + metaLen + bodyLen);
  buf.writeUInt32LE(9 + metaLen + bodyLen, 0);
  buf.writeUInt8(type, 4);
  buf.writeUInt32LE(id, 5);
  buf.writeUInt32LE(metaLen, 9);
  buf.write(meta, headerBytes, 'utf8');
  if (typeof body === 'string') buf.write(body, headerBytes + metaLen, 'utf8');
  else body.copy(buf, headerBytes + metaLen);
  return buf;
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the first pending frame needs in full (0 while its length is not known yet). */
  private needed = 0;

  /** Feeds a chunk; returns every frame it completes. */
  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame[] = [];
    // A large frame arrives in many chunks: join them once, when the whole frame is there.
    if (this.pendingBytes < 4 || this.pendingBytes < this.needed) return frames;
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    while (buf.length - offset >= 4) {
      const len = buf.readUInt32LE(offset);
      if (buf.length - offset - 4 < len) break;
      const start = offset + 4;
      const metaLen = buf.readUInt32LE(start + 5);
      const metaStart = start + 9;
      frames.push({
        type: buf.readUInt8(start),
        id: buf.readUInt32LE(start + 1),
        meta: buf.toString('utf8', metaStart, metaStart + metaLen),
        body: buf.subarray(metaStart + metaLen, start + len),
      });
      offset = start + len;
    }
    buf = buf.subarray(offset);
    this.pending = buf.length ? [buf] : [];
    this.pendingBytes = buf.length;
    this.needed = buf.length >= 4 ? 4 + buf.readUInt32LE(0) : 0;
    return frames;
  }
}
