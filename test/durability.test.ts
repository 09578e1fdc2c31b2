import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  ListFunctionsCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { invoke, testRole } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';

const started: TestServer[] = [];
afterAll(async () => {
  for (const s of started) await s.kill9();
  for (const dir of new Set(started.map((s) => s.dataDir))) started.find((s) => s.dataDir === dir)!.cleanup();
});

async function start(dataDir?: string): Promise<TestServer> {
  const s = await startServer({ args: ['--executors', '1'], dataDir });
  started.push(s);
  return s;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** CreateFunction with exactly these zip bytes. */
function createWithZip(client: LambdaClient, name: string, zip: Buffer) {
  return client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: testRole,
      Handler: 'index.handler',
      Code: { ZipFile: zip },
    }),
  );
}

/** GetFunction, plus the bytes behind Code.Location. */
async function getWithCode(client: LambdaClient, name: string) {
  const out: GetFunctionCommandOutput = await client.send(new GetFunctionCommand({ FunctionName: name }));
  const res = await fetch(out.Code!.Location!);
  expect(res.status).toBe(200);
  const zip = Buffer.from(await res.arrayBuffer());
  return { configuration: out.Configuration!, concurrency: out.Concurrency, zip };
}

/** Every function name in the server, following NextMarker. */
async function listNames(client: LambdaClient): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new ListFunctionsCommand({ Marker: marker, MaxItems: 50 }));
    for (const f of page.Functions ?? []) names.push(f.FunctionName!);
    marker = page.NextMarker ?? undefined;
  } while (marker);
  return names;
}

/** The code dir holds exactly the zips and unpacked trees of these packages, and no temp leftovers. */
function expectCodeDirExactly(dataDir: string, base64Shas: string[]) {
  const entries = readdirSync(join(dataDir, 'code')).sort();
  expect(entries.filter((n) => n.startsWith('.'))).toEqual([]);
  const hexes = [...new Set(base64Shas.map((b) => Buffer.from(b, 'base64').toString('hex')))];
  expect(entries).toEqual(hexes.flatMap((h) => [h, `${h}.zip`]).sort());
  expect(readdirSync(dataDir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
}

describe('durability across kill -9', () => {
  it('keeps functions, code, configuration and concurrency whole after kill -9', async () => {
    let server = await start();
    const dataDir = server.dataDir;
    let client = server.lambda();
    const zips: Record<string, Buffer> = {};
    for (const name of ['dur-a', 'dur-b', 'dur-c']) {
      const files = {
        'index.js': `exports.handler = async (e) => { if (e.wait) await new Promise((r) => setTimeout(r, 1000)); return { name: '${name}', color: process.env.COLOR ?? null, v: 1 }; };`,
        'lib/data.json': JSON.stringify({ name, filler: 'x'.repeat(2000) }),
      };
      // The same bytes are uploaded and compared later (yazl stamps entries with the current time).
      zips[name] = await makeZip(files);
      const created = await createWithZip(client, name, zips[name]);
      expect(created.CodeSha256).toBe(sha256(zips[name]).toString('base64'));
    }
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'dur-b',
        Description: 'updated',
        MemorySize: 256,
        Timeout: 7,
        Environment: { Variables: { COLOR: 'green' } },
      }),
    );
    const v2 = { 'index.js': "exports.handler = async () => ({ name: 'dur-c', v: 2 });" };
    zips['dur-c'] = await makeZip(v2);
    await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'dur-c', ZipFile: zips['dur-c'] }));
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'dur-a', ReservedConcurrentExecutions: 1 }),
    );

    const before: Record<string, Awaited<ReturnType<typeof getWithCode>>> = {};
    for (const name of Object.keys(zips)) before[name] = await getWithCode(client, name);
    expect(before['dur-b'].configuration.MemorySize).toBe(256);
    expect(before['dur-a'].concurrency).toEqual({ ReservedConcurrentExecutions: 1 });

    await server.kill9();
    server = await start(dataDir);
    client = server.lambda();

    expect((await listNames(client)).sort()).toEqual(['dur-a', 'dur-b', 'dur-c']);
    for (const name of Object.keys(zips)) {
      const after = await getWithCode(client, name);
      expect(after.configuration).toEqual(before[name].configuration);
      expect(after.concurrency).toEqual(before[name].concurrency);
      expect(after.zip.equals(zips[name])).toBe(true);
      expect(sha256(after.zip).toString('base64')).toBe(after.configuration.CodeSha256);
    }
    expect((await invoke(client, 'dur-a')).payload).toEqual({ name: 'dur-a', color: null, v: 1 });
    expect((await invoke(client, 'dur-b')).payload).toEqual({ name: 'dur-b', color: 'green', v: 1 });
    expect((await invoke(client, 'dur-c')).payload).toEqual({ name: 'dur-c', v: 2 });
    expect(
      (await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'dur-a' })))
        .ReservedConcurrentExecutions,
    ).toBe(1);
    // The reservation is enforced again, not just reported: a second concurrent call is throttled.
    const results = await Promise.allSettled([
      invoke(client, 'dur-a', { wait: true }),
      invoke(client, 'dur-a', { wait: true }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toBeInstanceOf(TooManyRequestsException);
    expect((rejected[0].reason as TooManyRequestsException).Reason).toBe(
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
    expectCodeDirExactly(
      dataDir,
      Object.values(before).map((b) => b.configuration.CodeSha256!),
    );
    await server.stop();
  });

  it('never leaves a half-created function when killed during concurrent CreateFunction calls', async () => {
    let server = await start();
    const dataDir = server.dataDir;
    /** Every function whose create answered 201, with the zip sent. */
    const acknowledged = new Map<string, { zip: Buffer; config: Record<string, unknown> }>();
    /** Every zip ever sent, by function name. */
    const sent = new Map<string, Buffer>();
    /** Answers other than 201 (none expected). */
    const unexpected: string[] = [];

    // When to kill: a random 0-150 ms after firing (usually before any commit), then right
    // as the k-th create is acknowledged (the creates commit in a burst, so others are mid-write).
    const plans: Array<{ afterMs: number } | { afterAcks: number }> = [
      { afterMs: Math.floor(Math.random() * 150) },
      { afterAcks: 1 },
      { afterAcks: 6 },
      { afterAcks: 12 },
    ];
    /** Requests that got no answer because the kill came first, in the ack-triggered rounds. */
    let cutOff = 0;
    let ackedInAckRounds = 0;

    for (const [round, plan] of plans.entries()) {
      const names = Array.from({ length: 20 }, (_, i) => `crash-${round}-${i}`);
      const requests = await Promise.all(
        names.map(async (name) => {
          const zip = await makeZip({
            'index.js': `exports.handler = async () => ({ name: '${name}', data: require('./lib/data.json').n });`,
            'lib/data.json': JSON.stringify({ n: name.length, filler: name.repeat(200) }),
            'lib/more.js': `module.exports = '${name}';\n`.repeat(50),
          });
          sent.set(name, zip);
          return { name, zip };
        }),
      );
      const { url, pid } = server;
      let acks = 0;
      let unanswered = 0;
      const inflight = requests.map(async ({ name, zip }) => {
        try {
          const res = await fetch(`${url}/2015-03-31/functions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              FunctionName: name,
              Runtime: 'nodejs20.x',
              Role: testRole,
              Handler: 'index.handler',
              Code: { ZipFile: zip.toString('base64') },
            }),
          });
          const body = (await res.json()) as Record<string, unknown>;
          if (res.status !== 201) {
            unexpected.push(`${name}: ${res.status} ${JSON.stringify(body)}`);
            return;
          }
          acknowledged.set(name, { zip, config: body });
          acks++;
          if ('afterAcks' in plan && acks === plan.afterAcks) process.kill(pid, 'SIGKILL');
        } catch {
          // The server died mid-request: the outcome is unknown, either way is allowed.
          unanswered++;
        }
      });
      if ('afterMs' in plan) {
        await new Promise((r) => setTimeout(r, plan.afterMs));
        await server.kill9();
      }
      await Promise.all(inflight);
      await server.kill9(); // waits for the exit (the SIGKILL was already sent in ack rounds)
      // Whatever answered before the kill answered 201: no create failed for any other reason.
      expect(unexpected).toEqual([]);
      if ('afterAcks' in plan) {
        expect(acks).toBeGreaterThanOrEqual(plan.afterAcks);
        ackedInAckRounds += acks;
        cutOff += unanswered;
      }

      server = await start(dataDir);
      const client = server.lambda();
      const existing = await listNames(client);
      for (const name of acknowledged.keys()) expect(existing).toContain(name);
      const shas = await Promise.all(
        existing.map(async (name) => {
          expect(sent.has(name)).toBe(true);
          const got = await getWithCode(client, name);
          expect(got.configuration.FunctionName).toBe(name);
          expect(sha256(got.zip).toString('base64')).toBe(got.configuration.CodeSha256);
          expect(got.zip.equals(sent.get(name)!)).toBe(true);
          expect(got.configuration.CodeSize).toBe(got.zip.length);
          const ack = acknowledged.get(name);
          if (ack) {
            expect(got.configuration.CodeSha256).toBe(ack.config.CodeSha256);
            expect(got.configuration.RevisionId).toBe(ack.config.RevisionId);
          }
          const r = await invoke(client, name);
          expect(r.functionError).toBeUndefined();
          expect(r.payload).toEqual({ name, data: name.length });
          return got.configuration.CodeSha256!;
        }),
      );
      // Startup removed temp files and packages of creates that never committed.
      expectCodeDirExactly(dataDir, shas);
    }

    // The kills really landed while creates were being acknowledged and others were still running.
    expect(ackedInAckRounds).toBeGreaterThanOrEqual(1 + 6 + 12);
    expect(cutOff).toBeGreaterThan(0);

    // A clean stop and restart leaves the same, tidy data dir.
    const names = await listNames(server.lambda());
    expect(await server.stop()).toBe(0);
    server = await start(dataDir);
    expect((await listNames(server.lambda())).sort()).toEqual([...names].sort());
    const shas = names.map((n) => sha256(sent.get(n)!).toString('base64'));
    expectCodeDirExactly(dataDir, shas);
    expect(existsSync(join(dataDir, 'islet.db'))).toBe(true);
    await server.stop();
  }, 60_000);

  it('accepts concurrent CreateFunction calls that upload the same package', async () => {
    const server = await start();
    const client = server.lambda();
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e, ctx) => ctx.functionName;' });
    const names = Array.from({ length: 8 }, (_, i) => `same-code-${i}`);
    const results = await Promise.allSettled(names.map((name) => createWithZip(client, name, zip)));
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected'
        ? [`${names[i]}: ${(r.reason as Error).name}: ${(r.reason as Error).message}`]
        : [],
    );
    expect(failures).toEqual([]);
    const sha = sha256(zip).toString('base64');
    for (const r of results)
      expect((r as PromiseFulfilledResult<{ CodeSha256?: string }>).value.CodeSha256).toBe(sha);
    for (const name of names) {
      const got = await getWithCode(client, name);
      expect(got.configuration.CodeSha256).toBe(sha);
      expect(got.zip.equals(zip)).toBe(true);
      expect((await invoke(client, name)).payload).toBe(name);
    }
    expectCodeDirExactly(server.dataDir, [sha]);
    expect(await server.stop()).toBe(0);
  });
});
