import { crc32, deflateRawSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  data?: string | Buffer;
  /** 0 stored, 8 deflate; anything else is written as stored bytes under that method number. */
  method?: number;
  /** Full 32-bit external attributes; default from `mode`. */
  attrs?: number;
  /** Unix mode for the high 16 bits of the external attributes (default a regular 0644 file). */
  mode?: number;
  flags?: number;
  /** Lie about the uncompressed size (default: the real one). */
  size?: number;
  crc?: number;
}

/** External attributes for a Unix mode (it lives in the high 16 bits). */
export const unixAttrs = (mode: number) => mode * 0x10000;

/**
 * Writes a minimal zip by hand (local headers, central directory, end record) so tests can produce what
 * yazl refuses: '../x', absolute names, duplicates, symlinks, lying sizes, bad CRCs, encryption flags.
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    const method = e.method ?? 0;
    const body = method === 8 ? deflateRawSync(data) : data;
    const crc = e.crc ?? crc32(data);
    const flags = (e.flags ?? 0) | 0x800; // 0x800: the name is UTF-8
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.size ?? data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cdh = Buffer.alloc(46);
    cdh.writeUInt32LE(0x02014b50, 0);
    cdh.writeUInt16LE(0x0314, 4); // made by Unix, spec 2.0
    cdh.writeUInt16LE(20, 6);
    cdh.writeUInt16LE(flags, 8);
    cdh.writeUInt16LE(method, 10);
    cdh.writeUInt32LE(crc, 16);
    cdh.writeUInt32LE(body.length, 20);
    cdh.writeUInt32LE(e.size ?? data.length, 24);
    cdh.writeUInt16LE(name.length, 28);
    cdh.writeUInt32LE(e.attrs ?? unixAttrs(e.mode ?? 0o100644), 38);
    cdh.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cdh, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}
