import { Hono } from 'hono';
import type { ServerDeps } from '../context';

/** Prometheus text exposition of islet's metrics at /metrics. */
export function prometheusRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const registry = deps.telemetry.metrics.registry;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}
