import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(server.lambda(), 'counted', {
    'index.js':
      'exports.handler = async (e) => { if (e.fail) throw new Error("no"); console.log("hi", e.n); return e.n; };',
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  server.cleanup();
});

/** One sample of a Prometheus metric with a function_name label, or undefined. */
function sample(text: string, name: string, fn: string): number | undefined {
  const m = new RegExp(`^${name}\\{function_name="${fn}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('Prometheus metrics at /metrics', () => {
  it('counts invocations, errors and durations per function', async () => {
    for (let n = 0; n < 3; n++) await invoke(server.lambda(), 'counted', { n });
    await invoke(server.lambda(), 'counted', { fail: true });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'islet_invocations_total', 'counted')).toBe(4);
    expect(sample(text, 'islet_errors_total', 'counted')).toBe(1);
    expect(sample(text, 'islet_cold_starts_total', 'counted')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'islet_duration_seconds_count', 'counted')).toBe(4);
    expect(sample(text, 'islet_billed_duration_seconds_total', 'counted')).toBeCloseTo(0.4, 6);
    expect(sample(text, 'islet_concurrent_executions', 'counted')).toBe(0);
    expect(text).toMatch(/^islet_process_resident_memory_bytes \d+/m);
  });
});
