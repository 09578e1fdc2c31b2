import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkFilePath, toBase64, unzipFiles, zipFiles } from './zip';

describe('zip', () => {
  it('round-trips text and binary files, and the same files make the same zip', () => {
    const binary = new Uint8Array([0, 1, 2, 255, 0]);
    const files = {
      'index.js': 'exports.handler = async () => 1;\n',
      'lib/data.bin': binary,
      'a/b/c.json': '{}',
    };
    const zip = zipFiles(files);
    expect(unzipFiles(zip)).toEqual(files);
    expect(Object.keys(unzipSync(zip))).toEqual(['a/b/c.json', 'index.js', 'lib/data.bin']);
    expect(zipFiles({ ...files })).toEqual(zip);
  });

  it('keeps bytes that are not UTF-8 as bytes', () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(unzipFiles(zipFiles({ 'x.txt': latin1 }))['x.txt']).toEqual(latin1);
  });

  it('encodes base64 in chunks (larger than one String.fromCharCode call)', () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    expect(toBase64(big)).toBe(btoa(Array.from(big, (b) => String.fromCharCode(b)).join('')));
  });

  it('refuses file paths that would escape or be ambiguous', () => {
    expect(checkFilePath('lib/util.js')).toBeUndefined();
    for (const bad of [
      '',
      '/etc/passwd',
      '../x.js',
      'a/../b.js',
      'a//b.js',
      'a\\b.js',
      './a.js',
      'x'.repeat(256),
    ])
      expect(checkFilePath(bad)).toBeTypeOf('string');
  });
});
