import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AddPermissionCommand,
  InvokeCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deploy, waitFor } from './helpers/functions';
import { startServer, type TestServer } from './helpers/server';
import { makeZip } from './helpers/zip';
import { createKey, signedRequest } from './iam/api-auth-helpers';

// Drives the web console in headless Chromium against a real islet. Any browser console error or
// page error fails the step it happened in, except the failed responses a step provokes on purpose.

const chromiumPath = '/usr/bin/chromium';
const artifacts = resolve(__dirname, 'artifacts/console');

/**
 * The S3 blueprint's handler as the test rewrites it: its marker comes from a second file added in
 * the editor, which proves the saved package (both files) is what runs.
 */
const editedHandler = `const marker = require('./lib/marker');
exports.handler = async (event) => {
  const keys = event.Records.map((r) => decodeURIComponent(r.s3.object.key.replace(/\\+/g, ' ')));
  console.log('edited handler saw', keys.join(', '));
  return { marker, bucket: event.Records[0]?.s3.bucket.name, keys };
};
`;

describe.skipIf(!existsSync(chromiumPath))('web console', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  /** Console errors and page errors seen since the last step ended. */
  let problems: string[] = [];
  /** Console errors the current step provokes on purpose (failed responses it asked for). */
  let expected: RegExp[] = [];
  const base = () => `${server.url}/console`;
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await startServer({ args: ['--executors', '1', '--async-retry-base-ms', '100'] });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(8_000);
    page.on('console', (m) => {
      if (m.type() === 'error')
        problems.push(`console: ${m.text()} (${m.location().url}:${m.location().lineNumber})`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });

  afterEach(() => {
    const unexpected = problems.filter((p) => !expected.some((r) => r.test(p)));
    problems = [];
    expected = [];
    expect(unexpected).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    server?.cleanup();
  });

  it('serves the page and its hashed assets from memory under a strict CSP', async () => {
    const res = await fetch(base());
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(csp).toContain("style-src 'self';");
    const html = await res.text();
    // No inline script: every <script> has a src.
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => / src="\/console\/assets\//.test(tag))).toBe(true);
    const js = /src="(\/console\/assets\/console\.[0-9a-f]{16}\.js)"/.exec(html)?.[1];
    expect(js).toBeDefined();
    const asset = await fetch(`${server.url}${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = asset.headers.get('etag')!;
    await asset.arrayBuffer();
    const again = await fetch(`${server.url}${js}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${server.url}/console/assets/console.0000000000000000.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
  });

  it('creates a function from the S3 blueprint', async () => {
    await page.goto(`${base()}#/create`);
    await page.locator('[data-blueprint="s3-object-processor"]').click();
    // A bad name is caught before anything is sent.
    await page.getByLabel('Function name').fill('bad name!');
    await page.getByRole('button', { name: 'Create function' }).click();
    await expect.poll(() => page.locator('#cf-name-error').textContent()).toContain('1 to 64 letters');
    expect(
      await page.getByLabel('Function name').evaluate((el) => el === (el.ownerDocument as any).activeElement),
    ).toBe(true);

    await page.getByLabel('Function name').fill('thumbnails');
    await page.getByRole('button', { name: 'Create function' }).click();
    await page.waitForURL(/#\/functions\/thumbnails\/code$/);
    const editor = page.locator('.code-editor .cm-content');
    await expect.poll(() => editor.textContent()).toContain('record.s3.bucket.name');
    expect(await page.locator('.tree-file.on').textContent()).toContain('index.js');
    await shot('01-created');

    const fn = await server
      .lambda()
      .send(new InvokeCommand({ FunctionName: 'thumbnails', Payload: '{"Records":[]}' }));
    expect(JSON.parse(Buffer.from(fn.Payload!).toString())).toEqual({ processed: 0, objects: [] });
  });

  it('creates a function from an uploaded zip, refusing a file that is not one', async () => {
    await page.goto(`${base()}#/create`);
    await page.getByText('Upload a .zip').click();
    await page.getByLabel('Function name').fill('uploaded');
    const input = page.getByLabel('Deployment package (.zip, up to 50 MB)');
    await input.setInputFiles({
      name: 'code.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from('not a zip'),
    });
    await expect.poll(() => page.locator('#cf-zip-error').textContent()).toBe('code.zip is not a zip file.');
    await page.getByRole('button', { name: 'Create function' }).click();
    expect(page.url()).toMatch(/#\/create$/);
    await input.setInputFiles({
      name: 'code.zip',
      mimeType: 'application/zip',
      buffer: await makeZip({
        'app.js': 'exports.run = async (e) => ({ upper: String(e.text).toUpperCase() });',
      }),
    });
    await page.getByLabel('Handler').fill('app.run');
    await page.getByRole('button', { name: 'Create function' }).click();
    await page.waitForURL(/#\/functions\/uploaded\/code$/);
    await expect.poll(() => page.locator('.code-editor .cm-content').textContent()).toContain('toUpperCase');
    expect(await page.locator('.code-path').textContent()).toBe('app.js');
  });

  it('shows the API error when the name is taken', async () => {
    expected = [/status of 409/];
    await page.goto(`${base()}#/create`);
    await page.getByLabel('Function name').fill('thumbnails');
    await page.getByRole('button', { name: 'Create function' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('ResourceConflictException');
    expect(page.url()).toMatch(/#\/create$/);
  });

  it('edits the code, guards unsaved changes and saves with Ctrl+S', async () => {
    await page.goto(`${base()}#/functions/thumbnails/code`);
    const editor = page.locator('.code-editor .cm-content');
    await expect.poll(() => editor.textContent()).toContain('record.s3.bucket.name');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(editedHandler);
    // A second file, required by the first.
    await page.getByRole('button', { name: 'New file' }).click();
    await page.getByLabel('New file path').fill('../escape.js');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.locator('#new-file-error').textContent()).toContain('may not be');
    await page.getByLabel('New file path').fill('lib/marker.js');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => page.locator('.code-path').textContent()).toBe('lib/marker.js');
    await editor.click();
    await page.keyboard.insertText("module.exports = 'edited-in-the-console';\n");
    await page.locator('.tree-file[data-path="index.js"]').click();
    await expect.poll(() => editor.textContent()).toContain("require('./lib/marker')");
    expect(await page.locator('.tree-file .dot').count()).toBe(2);
    await expect.poll(() => page.locator('.code-toolbar .status').textContent()).toBe('Unsaved changes');

    // Leaving the function asks first; declining stays, with the edit intact.
    const asked = page.waitForEvent('dialog').then(async (d) => {
      const message = d.message();
      await d.dismiss();
      return message;
    });
    await page.getByRole('link', { name: 'Billing' }).click();
    expect(await asked).toContain('unsaved changes');
    await expect.poll(() => page.url()).toMatch(/#\/functions\/thumbnails\/code$/);
    expect(await editor.textContent()).toContain("require('./lib/marker')");

    // Other tabs of the same function keep the edit without asking.
    await page.getByRole('tab', { name: /Configuration/ }).click();
    await page.getByRole('tab', { name: /Code/ }).click();
    expect(await editor.textContent()).toContain("require('./lib/marker')");

    await page.keyboard.press('Control+s');
    await expect.poll(() => page.locator('.code-toolbar .status').textContent()).toMatch(/^Saved/);
    expect(await page.locator('.tree-file .dot').count()).toBe(0);
    await shot('02-saved');
  });

  it('tests the function with the S3 put sample and shows result, log and REPORT', async () => {
    await page.getByRole('tab', { name: 'Test' }).click();
    await page.getByLabel('Event', { exact: true }).selectOption('sample:s3-put');
    await expect
      .poll(() => page.locator('.event-editor .cm-content').textContent())
      .toContain('ObjectCreated:Put');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const result = page.locator('[data-testid="test-result"]');
    await expect.poll(() => result.textContent()).toContain('edited-in-the-console');
    expect(JSON.parse((await result.textContent())!)).toEqual({
      marker: 'edited-in-the-console',
      bucket: 'example-bucket',
      keys: ['images/cat photo.jpg'],
    });
    expect(await page.locator('.result h2').textContent()).toBe('Succeeded');
    const log = (await page.locator('[data-testid="test-log"]').textContent())!;
    expect(log).toMatch(/^START RequestId: \S+ Version: \$LATEST/m);
    expect(log).toContain('edited handler saw images/cat photo.jpg');
    expect(log).toMatch(/^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms/m);
    const report = (await page.locator('[data-testid="test-report"]').textContent())!;
    expect(report).toMatch(/Duration[\d.]+ ms/);
    expect(report).toContain('Billed duration100 ms');
    expect(report).toContain('Memory size128 MB');
    await shot('03-tested');

    // Invalid JSON is refused in the page; a custom event is saved and offered again.
    await page.locator('.event-editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('{"Records": [');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid JSON');
    await page.keyboard.press('Control+A');
    await page.locator('.event-editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('{"Records": []}');
    await page.getByLabel('Save this event as').fill('empty batch');
    await page.getByRole('button', { name: 'Save event' }).click();
    expect(await page.getByLabel('Event', { exact: true }).inputValue()).toBe('saved:empty batch');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expect.poll(() => result.textContent()).toContain('"keys": []');
    expect(JSON.parse((await result.textContent())!)).toEqual({ marker: 'edited-in-the-console', keys: [] });
    expect(
      await page.evaluate(() => (globalThis as any).localStorage.getItem('islet.testEvents.thumbnails')),
    ).toBe(JSON.stringify([{ name: 'empty batch', json: '{"Records": []}' }]));
  });

  it('edits the configuration', async () => {
    await page.getByRole('tab', { name: /Configuration/ }).click();
    const status = page.locator('.config-form .status');
    await page.getByLabel('Memory (MB)').fill('100');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.locator('#cfg-memory-error').textContent())
      .toBe('Memory is 128 to 10240 MB.');
    await page.getByLabel('Memory (MB)').fill('256');
    await page.getByLabel('Timeout (s)').fill('10');
    await page.getByRole('button', { name: 'Add variable' }).click();
    // The new row's name field takes the focus.
    await expect
      .poll(() => page.evaluate(() => (globalThis as any).document.activeElement?.id))
      .toBe('env-key-0');
    await page.keyboard.type('GREETING');
    await page.getByLabel('Value', { exact: true }).fill('hello');
    await page.keyboard.press('Control+s');
    await expect.poll(() => status.textContent()).toBe('Saved');
    const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
    const config = await server
      .lambda()
      .send(new GetFunctionConfigurationCommand({ FunctionName: 'thumbnails' }));
    expect(config).toMatchObject({
      MemorySize: 256,
      Timeout: 10,
      Environment: { Variables: { GREETING: 'hello' } },
    });
    expect(await page.locator('.facts').textContent()).toContain('256 MB');
  });

  it('draws requests in the monitoring charts and updates them with new traffic', async () => {
    const lambda = server.lambda();
    const invokeTimes = async (n: number) => {
      for (let i = 0; i < n; i++)
        await lambda.send(new InvokeCommand({ FunctionName: 'thumbnails', Payload: '{"Records":[]}' }));
    };
    const summary = page.locator('[data-metric="requests"] .chart-summary');
    const requests = async () =>
      Number(/^(\d+) requests/.exec((await summary.textContent()) ?? '')?.[1] ?? -1);
    await invokeTimes(3);
    await page.getByRole('tab', { name: 'Monitoring' }).click();
    // The creation check, two tests from the page and these three.
    await expect.poll(requests).toBe(6);
    expect(await page.locator('[data-metric="requests"] canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-metric="latency"] .chart-summary').textContent()).toMatch(
      /^p50 [\d.]+ ms, p99 [\d.]+ ms$/,
    );
    expect(await page.locator('[data-metric="availability"] .chart-summary').textContent()).toBe('100.00%');
    // New traffic shows up on the next refresh (every 10 s for the last hour), without a reload.
    await invokeTimes(4);
    await expect.poll(requests, { timeout: 15_000, interval: 250 }).toBe(10);
    await shot('04-monitoring');

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Functions' }).click();
    const row = page.locator('tr[data-function="thumbnails"]');
    await expect.poll(() => row.locator('.spark-total').textContent()).toBe('10');
    expect(await row.locator('svg.sparkline polyline').count()).toBe(1);
    // Keyboard: "/" filters, arrow down reaches the row, Enter opens it.
    await page.keyboard.press('/');
    await page.keyboard.type('thumb');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/functions\/thumbnails\/code$/);
  });

  it('reads the function logs with a filter', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    const events = page.locator('.log-events li');
    await expect.poll(() => events.count()).toBeGreaterThan(10);
    expect(await page.locator('.log-events').textContent()).toContain('REPORT RequestId');
    await page.getByLabel('Filter log events').fill('"edited handler saw images"');
    await expect.poll(async () => (await events.allTextContents()).length).toBe(1);
    expect(await events.first().textContent()).toContain('edited handler saw images/cat photo.jpg');
    await shot('05-logs');
  });

  it('lists triggers and creates and deletes an event source mapping', async () => {
    const lambda = server.lambda();
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'thumbnails',
        StatementId: 'uploads',
        Action: 'lambda:InvokeFunction',
        Principal: 's3.amazonaws.com',
        SourceArn: 'arn:aws:s3:::uploads',
      }),
    );
    const s3 = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads',
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: 'jpgs',
              LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnails',
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } },
            },
          ],
        },
      }),
    );
    s3.destroy();
    const events = (target: string, body: unknown) =>
      signedRequest(
        server.url,
        { id: 'test', secret: 'test' },
        {
          method: 'POST',
          service: 'events',
          headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${target}` },
          body: JSON.stringify(body),
        },
      ).then((send) => send());
    expect(
      (await events('PutRule', { Name: 'nightly', ScheduleExpression: 'cron(0 2 * * ? *)' })).status,
    ).toBe(200);
    const targets = await events('PutTargets', {
      Rule: 'nightly',
      Targets: [{ Id: 't1', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnails' }],
    });
    expect(await targets.json()).toMatchObject({ FailedEntryCount: 0 });

    // The endpoint itself, and its answer for a function that does not exist.
    const triggers = await (await fetch(`${server.url}/islet/functions/thumbnails/triggers`)).json();
    expect(triggers).toEqual({
      FunctionName: 'thumbnails',
      BucketNotifications: [
        { Bucket: 'uploads', Id: 'jpgs', Events: ['s3:ObjectCreated:*'], Suffix: '.jpg' },
      ],
      ScheduleRules: [
        {
          Name: 'nightly',
          Arn: 'arn:aws:events:us-east-1:000000000000:rule/nightly',
          ScheduleExpression: 'cron(0 2 * * ? *)',
          State: 'ENABLED',
          TargetId: 't1',
        },
      ],
    });
    const missing = await fetch(`${server.url}/islet/functions/nope/triggers`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    const badName = await fetch(`${server.url}/islet/functions/${encodeURIComponent('a b')}/triggers`);
    expect(badName.status).toBe(400);

    await page.getByRole('tab', { name: 'Triggers' }).click();
    await expect
      .poll(() => page.getByRole('table', { name: 'Bucket notifications' }).textContent())
      .toContain('uploads');
    expect(await page.getByRole('table', { name: 'Schedule rules' }).textContent()).toContain(
      'cron(0 2 * * ? *)',
    );

    // A malformed ARN is refused in the page; a disabled mapping (no poller) is created and deleted.
    await page.getByLabel('Kinesis stream ARN').fill('arn:aws:sqs:us-east-1:000000000000:queue');
    await page.getByRole('button', { name: 'Add mapping' }).click();
    await expect.poll(() => page.locator('#esm-error').textContent()).toContain('Kinesis stream ARN');
    await page.getByLabel('Kinesis stream ARN').fill('arn:aws:kinesis:us-east-1:000000000000:stream/orders');
    await page.getByLabel('Enabled').uncheck();
    await page.getByRole('button', { name: 'Add mapping' }).click();
    const mappings = page.getByRole('table', { name: 'Event source mappings' });
    await expect.poll(() => mappings.textContent()).toContain('stream/orders');
    expect(await mappings.textContent()).toContain('Disabled');
    await shot('06-triggers');
    page.once('dialog', (d) => d.accept());
    await mappings.getByRole('button', { name: /^Delete mapping/ }).click();
    await expect.poll(() => page.getByText('No event source mappings.').count()).toBe(1);
  });

  it('shows a function error in the test panel', async () => {
    await deploy(server.lambda(), 'always-fails', {
      'index.js': 'exports.handler = async () => { throw new Error("nope"); };',
    });
    await page.goto(`${base()}#/functions/always-fails/test`);
    await page.getByLabel('Event', { exact: true }).selectOption('sample:scheduled');
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await expect.poll(() => page.locator('.result h2').textContent()).toBe('Function error (Unhandled)');
    expect(JSON.parse((await page.locator('[data-testid="test-result"]').textContent())!)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'nope',
    });
    expect(await page.locator('[data-testid="test-log"]').textContent()).toMatch(/^REPORT RequestId/m);
  });

  it('lists dead letters, redrives one and deletes another', async () => {
    const lambda = server.lambda();
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails', MaximumRetryAttempts: 0 }),
    );
    for (const n of [1, 2])
      await lambda.send(
        new InvokeCommand({ FunctionName: 'always-fails', InvocationType: 'Event', Payload: `{"n":${n}}` }),
      );
    const listed = async () =>
      (
        (await (await fetch(`${server.url}/islet/dead-letters?FunctionName=always-fails`)).json()) as {
          DeadLetters: Array<{ EventId: string }>;
        }
      ).DeadLetters;
    const [first, second] = await waitFor(async () => {
      const d = await listed();
      return d.length === 2 ? d : undefined;
    });

    await page.getByRole('link', { name: 'Dead letters' }).click();
    const table = page.getByRole('table', { name: 'Dead letters' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    expect(await table.textContent()).toContain('always-fails');
    await shot('07-dead-letters');

    await page.getByRole('button', { name: `Redrive ${first.EventId}` }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'queued' }).count()).toBe(1);
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: `Delete ${second.EventId}` }).click();
    await expect.poll(() => page.getByText(`Event ${second.EventId} was deleted.`).count()).toBe(1);
    expect((await listed()).map((d) => d.EventId)).not.toContain(second.EventId);
  });

  it('shows account-wide monitoring', async () => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Monitoring' })
      .click();
    const summary = page.locator('[data-metric="requests"] .chart-summary');
    // thumbnails' ten, always-fails' two and the redriven one (or not yet).
    await expect
      .poll(async () => Number(/^(\d+) requests/.exec((await summary.textContent()) ?? '')?.[1]))
      .toBeGreaterThanOrEqual(12);
    expect(await summary.textContent()).toMatch(/ [1-9]\d* errors/);
  });

  it('shows the billing ledger and downloads it as CSV', async () => {
    await page.getByRole('link', { name: 'Billing' }).click();
    const ledger = page.getByRole('table', { name: 'Billing ledger' });
    await expect.poll(() => ledger.textContent()).toContain('thumbnails');
    const totals = (await page.locator('[data-testid="billing-totals"]').textContent())!;
    expect(Number(/Requests([\d,]+)/.exec(totals)?.[1].replace(/,/g, ''))).toBeGreaterThanOrEqual(10);
    await shot('08-billing');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^islet-billing-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^date,function/);
    expect(csv).toContain('thumbnails');
  });

  it('asks for an access key once islet wants signatures, then signs every request', async () => {
    expected = [/status of 403/];
    const key = await createKey(server.dataDir, 'console-admin', '--admin');
    await page.goto(`${base()}#/functions`);
    const dialog = page.getByRole('dialog', { name: 'Sign in with an access key' });
    await expect.poll(() => dialog.textContent()).toContain('MissingAuthenticationTokenException');
    await shot('09-sign-in');

    // A wrong secret is refused by islet; the dialog comes back and says why.
    await page.getByLabel('Access key id').fill(key.id);
    await page.getByLabel('Secret access key').fill('not-the-secret');
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => dialog.textContent()).toContain('InvalidSignatureException');

    await page.getByLabel('Access key id').fill(key.id);
    await page.getByLabel('Secret access key').fill(key.secret);
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('tr[data-function="thumbnails"]').count()).toBe(1);
    expect(await dialog.count()).toBe(0);
    expect(await page.locator('.who').textContent()).toContain(key.id);
    // Signed calls reach every API: Lambda, CloudWatch (sparklines) and CloudWatch Logs.
    await expect
      .poll(() => page.locator('tr[data-function="thumbnails"] .spark-total').textContent())
      .toBe('10');
    await page.goto(`${base()}#/functions/thumbnails/logs`);
    await expect.poll(() => page.locator('.log-events li').count()).toBeGreaterThan(10);
    // The secret never leaves the tab: only sessionStorage holds it.
    expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(1);
    expect(
      await page.evaluate(
        () => JSON.parse((globalThis as any).sessionStorage.getItem('islet.credentials')).accessKeyId,
      ),
    ).toBe(key.id);
  });
});
