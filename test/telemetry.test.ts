import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { islet } from './helpers/cli';
import { deploy, invoke } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ args: ['--executors', '1'] });
  await deploy(
    server.lambda(),
    'billed',
    { 'index.js': 'exports.handler = async () => 1;' },
    { MemorySize: 2048 },
  );
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

describe('billing ledger', () => {
  const today = new Date().toISOString().slice(0, 10);

  it("prices today's usage per function, as JSON, CSV and through the CLI", async () => {
    for (let i = 0; i < 5; i++) await invoke(server.lambda(), 'billed');
    const res = await fetch(`${server.url}/islet/billing?function=billed`);
    expect(res.status).toBe(200);
    const ledger = (await res.json()) as any;
    expect(ledger.lines).toHaveLength(1);
    const line = ledger.lines[0];
    expect(line).toMatchObject({ date: today, functionName: 'billed', requests: 5, billedMs: 500 });
    expect(line.gbSeconds).toBeCloseTo(1, 9); // 5 x 100 ms at 2 GB
    expect(line.requestCost + line.computeCost).toBeCloseTo((5 / 1e6) * 0.2 + 0.00001667, 12);
    expect(line.cost).toBe(0); // inside the monthly free tier
    const csv = await (await fetch(`${server.url}/islet/billing?function=billed&format=csv`)).text();
    expect(csv.split('\r\n')[1]).toMatch(new RegExp(`^${today},billed,5,500,1\\.000000,`));
    const cli = await islet('billing', '--function', 'billed', '--json', '--endpoint', server.url);
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout).totals.requests).toBe(5);
    const table = await islet('billing', '--endpoint', server.url);
    expect(table.stdout).toMatch(/^DATE\s+FUNCTION\s+REQUESTS/m);
  });

  it('refuses bad dates and formats with a 400 and a message', async () => {
    for (const q of ['from=yesterday', 'to=2026-13-45', 'format=xml', 'from=2026-05-02&to=2026-05-01']) {
      const res = await fetch(`${server.url}/islet/billing?${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).message).toMatch(/date|format|before/);
    }
    const cli = await islet('billing', '--from', 'nope', '--endpoint', server.url);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain('InvalidParameterValueException');
  });
});
