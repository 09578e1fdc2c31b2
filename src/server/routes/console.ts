import { consoleAssets, consoleIndexTemplate } from 'islet:console';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Context, Hono } from 'hono';
import { sampleEvents } from '../../events/samples';
import type { ServerDeps } from '../context';
import { escapeXml } from '../xml';

/**
 * The web console's Content-Security-Policy: scripts and styles from islet only (no inline script
 * or style, no eval), API calls to islet only.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const hardening = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Assets compressed once, on first request. */
const gzipped = new Map<string, Buffer>();

/**
 * The web console at /console: index.html (with the region and account of ARNs) and the
 * bundled assets from memory, named by content hash and cached for good; plus
 * /islet/samples, the sample events its test tab offers.
 */
export function consoleRoutes(deps: ServerDeps): Hono {
  const app = new Hono({ strict: false });
  const etags = new Map(
    Object.entries(consoleAssets).map(([file, a]) => [
      file,
      `"${createHash('sha256').update(a.body).digest('base64url').slice(0, 22)}"`,
    ]),
  );

  const page = consoleIndexTemplate
    .replace('{{region}}', escapeXml(deps.account.region))
    .replace('{{account}}', escapeXml(deps.account.accountId));
  const index = (c: Context) => {
    return c.body(page, 200, {
      ...hardening,
      'Content-Type': 'text/html; charset=utf-8',
      // Always asked for again: a new build names new assets.
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': contentSecurityPolicy,
    });
  };
  app.get('/console', index);
  app.get('/console/', index);

  app.get('/console/assets/:file', (c) => {
    const file = c.req.param('file');
    const asset = Object.hasOwn(consoleAssets, file) ? consoleAssets[file] : undefined;
    if (!asset) {
      return c.text('Not Found', 404, { ...hardening, 'Cache-Control': 'no-store' });
    }
    const etag = etags.get(file)!;
    const headers: Record<string, string> = {
      ...hardening,
      'Content-Type': asset.contentType,
      'Cache-Control': 'public, max-age=31536000, immutable',
      ETag: etag,
      Vary: 'Accept-Encoding',
    };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      let gz = gzipped.get(file);
      if (!gz) {
        gz = gzipSync(asset.body);
        gzipped.set(file, gz);
      }
      return c.body(new Uint8Array(gz), 200, { ...headers, 'Content-Encoding': 'gzip' });
    }
    return c.body(asset.body, 200, headers);
  });

  app.get('/islet/samples', (c) =>
    c.json({
      Samples: Object.entries(sampleEvents).map(([name, s]) => ({
        name,
        description: s.description,
        event: s.build(),
      })),
    }),
  );

  return app;
}
