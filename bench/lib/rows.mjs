// Table rows shared by the scenarios that measure a target with autocannon beside a baseline.
import { measure } from './load.mjs';

/**
 * Measures one target (after its warm-up) and returns its table row; with `serverPid`, also the
 * server's CPU per response (see `measure`).
 */
export async function measureRow(scenario, target, request, config, serverPid) {
  console.error(
    `${scenario}: ${target}: ${config.warmupSeconds} s warm-up + ${config.durationSeconds} s, ` +
      `${config.connections} connections`,
  );
  const result = await measure(request, config, serverPid);
  return { target, kind: 'run', status: 'ok', ...result };
}

/** A baseline row: plain means of its runs (the p50/p99 means are of the percentiles). */
export function meanRow(target, runs) {
  const mean = (key) => runs.reduce((sum, r) => sum + r[key], 0) / runs.length;
  const total = (key) => runs.reduce((sum, r) => sum + r[key], 0);
  return {
    target,
    kind: 'mean',
    status: 'ok',
    reqPerSec: mean('reqPerSec'),
    p50: mean('p50'),
    p99: mean('p99'),
    ...(runs.every((r) => r.serverCpuUs !== undefined) ? { serverCpuUs: mean('serverCpuUs') } : {}),
    errors: total('errors'),
    timeouts: total('timeouts'),
    requests: total('requests'),
  };
}

/** A fraction as a signed percentage: +12.5% / -3.0%. */
export function signedPercent(fraction) {
  const percent = (fraction * 100).toFixed(1);
  return fraction >= 0 ? `+${percent}%` : `${percent}%`;
}
