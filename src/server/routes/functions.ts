import { Hono } from 'hono';
import { parseFunctionRef, requireLatest } from '../../control/function-ref';
import { limits } from '../../limits';
import { readJsonObject } from '../body';
import type { ServerDeps } from '../context';
import { functionConfiguration } from '../shapes';

/** CreateFunction, GetFunction(Configuration), ListFunctions, Update*, DeleteFunction, concurrency. */
export function functionRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  const { functions } = deps;
  const config = (name: string) => functionConfiguration(functions.get(name), functions.arn(name));
  const ref = (raw: string, qualifier?: string | null) => {
    const r = parseFunctionRef(raw, qualifier);
    requireLatest(r, functions.arn(r.name));
    return r;
  };

  app.get('/2015-03-31/functions', (c) => {
    const page = functions.list(c.req.query('Marker') || undefined, c.req.query('MaxItems'));
    return c.json({
      Functions: page.functions.map((r) => functionConfiguration(r, functions.arn(r.name))),
      NextMarker: page.nextMarker ?? null,
    });
  });

  app.post('/2015-03-31/functions', async (c) => {
    const input = await readJsonObject(c, limits.maxCodeRequestBytes, 'CreateFunction');
    const record = await functions.create(input);
    return c.json(functionConfiguration(record, functions.arn(record.name)), 201);
  });

  app.get('/2015-03-31/functions/:name', (c) => {
    const { name } = ref(c.req.param('name'), c.req.query('Qualifier'));
    const record = functions.get(name);
    return c.json({
      Configuration: functionConfiguration(record, functions.arn(name)),
      Code: { RepositoryType: 'S3', Location: deps.baseUrl() + deps.codeUrls.sign(record.codeSha256Hex) },
      ...(record.reservedConcurrency !== undefined
        ? { Concurrency: { ReservedConcurrentExecutions: record.reservedConcurrency } }
        : {}),
    });
  });

  app.get('/2015-03-31/functions/:name/configuration', (c) => {
    const { name } = ref(c.req.param('name'), c.req.query('Qualifier'));
    return c.json(config(name));
  });

  app.put('/2015-03-31/functions/:name/code', async (c) => {
    const { name } = ref(c.req.param('name'));
    const input = await readJsonObject(c, limits.maxCodeRequestBytes, 'UpdateFunctionCode');
    const record = await functions.updateCode(name, input);
    return c.json(functionConfiguration(record, functions.arn(name)));
  });

  app.put('/2015-03-31/functions/:name/configuration', async (c) => {
    const { name } = ref(c.req.param('name'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'UpdateFunctionConfiguration');
    const record = functions.updateConfiguration(name, input);
    return c.json(functionConfiguration(record, functions.arn(name)));
  });

  app.delete('/2015-03-31/functions/:name', (c) => {
    const { name } = ref(c.req.param('name'), c.req.query('Qualifier'));
    functions.delete(name);
    return c.body(null, 204);
  });

  app.put('/2017-10-31/functions/:name/concurrency', async (c) => {
    const { name } = ref(c.req.param('name'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'PutFunctionConcurrency');
    const value = functions.putConcurrency(name, input.ReservedConcurrentExecutions);
    return c.json({ ReservedConcurrentExecutions: value });
  });

  app.delete('/2017-10-31/functions/:name/concurrency', (c) => {
    const { name } = ref(c.req.param('name'));
    functions.deleteConcurrency(name);
    return c.body(null, 204);
  });

  app.get('/2019-09-30/functions/:name/concurrency', (c) => {
    const { name } = ref(c.req.param('name'));
    const reserved = functions.get(name).reservedConcurrency;
    return c.json(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
  });

  return app;
}
