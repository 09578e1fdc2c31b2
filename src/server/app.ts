import { Hono } from 'hono';
import { UnknownOperationError } from '../errors';
import type { CodeStore } from '../store/code-store';
import type { ServerDeps } from './context';
import { errorResponse, onError } from './on-error';
import { asyncRoutes } from './routes/async';
import { codeRoutes } from './routes/code';
import { functionUrlRoutes } from './routes/function-urls';
import { functionRoutes } from './routes/functions';
import { invokeRoutes } from './routes/invoke';

/** The HTTP surface: islet's own routes, then the Lambda REST API. Translation only. */
export function createApp(deps: ServerDeps, code: CodeStore): Hono {
  const app = new Hono({ strict: false });
  // While draining, every response closes its connection so keep-alive clients let go.
  app.use(async (c, next) => {
    await next();
    if (!deps.accepting()) c.header('Connection', 'close');
  });
  app.get('/healthz', (c) =>
    c.json({ status: deps.accepting() ? 'ok' : 'stopping' }, deps.accepting() ? 200 : 503),
  );
  app.route('/', codeRoutes(deps, code));
  app.route('/', functionUrlRoutes(deps));
  app.route('/', invokeRoutes(deps));
  app.route('/', asyncRoutes(deps));
  app.route('/', functionRoutes(deps));
  app.notFound((c) =>
    errorResponse(
      c,
      new UnknownOperationError(`Unknown operation: ${c.req.method} ${c.req.path.slice(0, 200)}`),
    ),
  );
  app.onError(onError(deps.logger));
  return app;
}
