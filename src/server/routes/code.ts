import { Hono } from 'hono';
import type { CodeStore } from '../../store/code-store';
import type { ServerDeps } from '../context';

/** Serves deployment packages at the signed Code.Location URLs that GetFunction hands out. */
export function codeRoutes(deps: ServerDeps, code: CodeStore): Hono {
  const app = new Hono();
  app.get('/code/:file{[0-9a-f]{64}\\.zip}', (c) => {
    const sha = c.req.param('file').slice(0, 64);
    if (!deps.codeUrls.verify(sha, c.req.query('expires'), c.req.query('signature'))) {
      return c.text('Request has expired or the signature does not match', 403);
    }
    const zip = code.readZip(sha);
    if (!zip) return c.text('Not Found', 404);
    return c.body(new Uint8Array(zip), 200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(zip.length),
    });
  });
  return app;
}
