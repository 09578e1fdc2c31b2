/**
 * Baselines served by a plain Hono app:
 * - POST /work (warm-invoke): the same handler logic as the benchmark function. It answers exactly
 *   what the islet function returns, so the difference in the numbers is islet's overhead (API
 *   routing, event mapping, isolate call), not the work.
 * - POST /hook (events-webhook): parses a storage notification and acknowledges it, the front
 *   half of islet's /hooks/storage without the durable queue or any invocation.
 *
 * Usage: node --no-node-snapshot bench/baselines/hono-server.mjs <port>
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: hono-server.mjs <port>');
  process.exit(2);
}

const app = new Hono();

// Readiness probe for the benchmark runner; never hit during measurement.
app.get('/health', (c) => c.text('ok'));

app.post('/work', async (c) => {
  const event = await c.req.json();
  // A loop rather than n(n+1)/2, to match the benchmark function line for line.
  let sum = 0;
  for (let i = 1; i <= event.n; i++) sum += i;
  return c.json({ hello: event.name, sum });
});

app.post('/hook', async (c) => {
  const notification = await c.req.json();
  // Touches the parsed records, as islet does, so the work cannot be skipped.
  return c.json({ queued: notification.Records.length });
});

// No SIGTERM handler: Node's default (exit at once) is what the runner expects.
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
