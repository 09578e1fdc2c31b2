import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Context, Hono } from 'hono';
import { latestFunctionName } from '../../control/function-ref';
import type { DeployedFunction } from '../../control/functions';
import {
  InvalidParameterValueError,
  LambdaError,
  ResourceConflictError,
  ResourceNotFoundError,
} from '../../errors';
import { buildHttpEvent, toHttpResponse } from '../../events/shapes/http';
import { limits } from '../../limits';
import type { FunctionUrlRecord } from '../../store/function-store';
import { type FunctionUrlAuth, signaturePresenceOnly } from '../auth';
import { readBody, readJsonObject } from '../body';
import type { ServerDeps } from '../context';
import { functionUrlConfig } from '../shapes';

function urlSettings(input: Record<string, unknown>, current?: FunctionUrlRecord): FunctionUrlRecord {
  const authType = input.AuthType ?? current?.authType;
  if (authType !== 'NONE' && authType !== 'AWS_IAM') {
    throw new InvalidParameterValueError(
      "1 validation error detected: Value at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]",
    );
  }
  const invokeMode = input.InvokeMode ?? current?.invokeMode ?? 'BUFFERED';
  if (invokeMode !== 'BUFFERED')
    throw new InvalidParameterValueError('islet supports InvokeMode BUFFERED only');
  if (input.Cors !== undefined && (typeof input.Cors !== 'object' || input.Cors === null)) {
    throw new InvalidParameterValueError('Cors must be an object');
  }
  const now = new Date().toISOString();
  return {
    authType,
    invokeMode,
    cors: (input.Cors as Record<string, unknown> | undefined) ?? current?.cors,
    creationTime: current?.creationTime ?? now,
    lastModifiedTime: now,
  };
}

/**
 * Create/Get/Update/DeleteFunctionUrlConfig, and the URLs themselves at /fn/NAME/...; `urlAuth`
 * decides requests to URLs with AuthType AWS_IAM.
 */
export function functionUrlRoutes(deps: ServerDeps, urlAuth: FunctionUrlAuth = signaturePresenceOnly): Hono {
  const app = new Hono();
  const { functions } = deps;
  const nameOf = (raw: string, qualifier?: string | null) =>
    latestFunctionName(raw, qualifier, (n) => functions.arn(n));
  const urlOf = (name: string) => `${deps.baseUrl()}/fn/${name}/`;

  app.post('/2021-10-31/functions/:name/url', async (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'CreateFunctionUrlConfig');
    const record = functions.get(name);
    if (record.url)
      throw new ResourceConflictError(
        `Failed to create function url config for [functionArn = ${functions.arn(name)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
      );
    const url = urlSettings(input);
    functions.setUrl(name, url);
    return c.json(functionUrlConfig(url, urlOf(name), functions.arn(name)), 201);
  });

  app.get('/2021-10-31/functions/:name/url', (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    const url = functions.get(name).url;
    if (!url) throw new ResourceNotFoundError('The resource you requested does not exist.');
    return c.json(functionUrlConfig(url, urlOf(name), functions.arn(name)));
  });

  app.put('/2021-10-31/functions/:name/url', async (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'UpdateFunctionUrlConfig');
    const current = functions.get(name).url;
    if (!current) throw new ResourceNotFoundError('The resource you requested does not exist.');
    const url = urlSettings(input, current);
    functions.setUrl(name, url);
    return c.json(functionUrlConfig(url, urlOf(name), functions.arn(name)));
  });

  app.delete('/2021-10-31/functions/:name/url', (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    if (!functions.get(name).url)
      throw new ResourceNotFoundError('The resource you requested does not exist.');
    functions.setUrl(name, undefined);
    return c.body(null, 204);
  });

  // The function URL itself: any method, any path below /fn/NAME/.
  app.all('/fn/:name{[A-Za-z0-9_-]{1,64}}/*', async (c) => handleUrl(c.req.param('name'), c));
  app.all('/fn/:name{[A-Za-z0-9_-]{1,64}}', async (c) => handleUrl(c.req.param('name'), c));

  async function handleUrl(name: string, c: Context): Promise<Response> {
    const plain = (status: number, message: string) => c.json({ Message: message }, status as 404);
    let deployed: DeployedFunction;
    try {
      deployed = functions.deployed(name);
    } catch {
      return plain(404, 'Not Found');
    }
    const url = deployed.record.url;
    if (!url) return plain(404, 'Not Found');
    const iamAuth = url.authType === 'AWS_IAM';
    if (iamAuth && !urlAuth.signed(c)) return plain(403, 'Forbidden');
    if (!deps.accepting()) return plain(503, 'Service Unavailable');
    let body: Buffer;
    try {
      body = await readBody(c, limits.maxSyncPayloadBytes, 'Invoke');
    } catch (e) {
      if (e instanceof LambdaError) return plain(413, 'Request Entity Too Large');
      throw e;
    }
    if (iamAuth && !(await urlAuth.allows(c, name, functions.arn(name), body)))
      return plain(403, 'Forbidden');
    const u = new URL(c.req.url);
    const prefix = `/fn/${name}`;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const requestId = randomUUID();
    const event = buildHttpEvent({
      method: c.req.method,
      rawPath: u.pathname.slice(prefix.length) || '/',
      rawQueryString: u.search.replace(/^\?/, ''),
      headers,
      body,
      sourceIp: incoming?.socket.remoteAddress ?? '127.0.0.1',
      domainName: u.host,
      requestId,
      accountId: deps.account.accountId,
      urlId: name,
    });
    let result: Awaited<ReturnType<typeof deps.invoker.invoke>>;
    try {
      result = await deps.invoker.invoke(deployed, JSON.stringify(event), { requestId });
    } catch (e) {
      if (e instanceof LambdaError && e.status === 429) return plain(429, 'Rate Exceeded.');
      throw e;
    }
    if (result.status === 'function-error') return plain(502, 'Internal Server Error');
    const res = toHttpResponse(result.payload);
    const out = new Headers();
    for (const [k, v] of res.headers) out.append(k, v);
    out.set('x-amzn-RequestId', requestId);
    return new Response(res.status === 204 || res.status === 304 ? null : res.body, {
      status: res.status,
      headers: out,
    });
  }

  return app;
}
