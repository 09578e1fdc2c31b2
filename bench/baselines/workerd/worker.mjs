/**
 * peer-workerd baseline: the warm-invoke work as a Cloudflare Workers ES module, served by workerd
 * (config.capnp beside this file). POST /work {"n":5,"name":"x"} -> {"hello":"x","sum":15}, the
 * same handler logic as the islet function and the Hono baseline, line for line.
 */
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    // Readiness probe for the benchmark runner; never hit during measurement.
    if (pathname === '/health') return new Response('ok');
    if (request.method !== 'POST' || pathname !== '/work') return new Response('not found', { status: 404 });
    const event = await request.json();
    // A loop rather than n(n+1)/2, to match the benchmark function line for line.
    let sum = 0;
    for (let i = 1; i <= event.n; i++) sum += i;
    return Response.json({ hello: event.name, sum });
  },
};
