import autocannon from 'autocannon';

const r = await autocannon({
  url: process.argv[2],
  method: 'POST',
  body: '{"n":5,"name":"x"}',
  connections: 32,
  duration: Number(process.argv[3] || 5),
});
console.log(
  Math.round(r.requests.average),
  'req/s p50',
  r.latency.p50,
  'p99',
  r.latency.p99,
  'non2xx',
  r.non2xx,
  'errors',
  r.errors,
);
