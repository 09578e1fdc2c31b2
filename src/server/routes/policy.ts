import { Hono } from 'hono';
import { latestFunctionName } from '../../control/function-ref';
import { limits } from '../../limits';
import { readJsonObject } from '../body';
import type { ServerDeps } from '../context';

/** AddPermission, RemovePermission and GetPolicy: the function's resource-based policy. */
export function policyRoutes(deps: ServerDeps): Hono {
  const app = new Hono();
  const { functions } = deps;
  const nameOf = (raw: string, qualifier?: string | null) =>
    latestFunctionName(raw, qualifier, (n) => functions.arn(n));

  app.post('/2015-03-31/functions/:name/policy', async (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    const input = await readJsonObject(c, limits.maxControlRequestBytes, 'AddPermission');
    const statement = functions.addPermission(name, input);
    return c.json({ Statement: JSON.stringify(statement) }, 201);
  });

  app.get('/2015-03-31/functions/:name/policy', (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    const { policy, revisionId } = functions.getPolicy(name);
    return c.json({ Policy: policy, RevisionId: revisionId });
  });

  app.delete('/2015-03-31/functions/:name/policy/:sid', (c) => {
    const name = nameOf(c.req.param('name'), c.req.query('Qualifier'));
    functions.removePermission(name, c.req.param('sid'), c.req.query('RevisionId'));
    return c.body(null, 204);
  });

  return app;
}
