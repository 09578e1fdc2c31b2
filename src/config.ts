import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { LogLevel } from './logger';
import { parseEgressList } from './services/egress';

/** Every server setting, with its unit, default, flag and environment variable. */
export interface ServerConfig {
  /** TCP port (--port, ISLET_PORT; default 4000; 0 picks a free one). */
  port: number;
  /** Address to bind (--host, ISLET_HOST; default 127.0.0.1). */
  host: string;
  /** Data directory (--data, ISLET_DATA; default ./.islet). */
  dataDir: string;
  /** Account concurrency limit (--concurrency, ISLET_CONCURRENCY; default 1000). */
  concurrency: number;
  /** Executor processes (--executors, ISLET_EXECUTORS; default: CPU count). */
  executors: number;
  /** Warm environments kept across all executors (--max-environments, ISLET_MAX_ENVIRONMENTS; default 8000; at most 6000 per executor). */
  maxEnvironments: number;
  /** Memory budget of warm environments in MB, all executors (--memory-budget-mb, ISLET_MEMORY_BUDGET_MB; default half of RAM, at most 8192). */
  memoryBudgetMb: number;
  /** Server-wide CPU cap per invocation in ms, 0 = none (--cpu-limit-ms, ISLET_CPU_LIMIT_MS). */
  cpuLimitMs: number;
  /** Region in ARNs (--region, ISLET_REGION, AWS_REGION; default us-east-1). */
  region: string;
  /** Account id in ARNs (--account-id, ISLET_ACCOUNT_ID; default 000000000000). */
  accountId: string;
  /** First retry delay of async invocations after a function error, ms (--async-retry-base-ms; default 60000). */
  asyncRetryBaseMs: number;
  /** Kinesis API endpoint that event source mappings poll (--kinesis-endpoint, ISLET_KINESIS_ENDPOINT; default AWS). */
  kinesisEndpoint?: string;
  /** Credentials for the Kinesis endpoint (ISLET_KINESIS_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else AWS_*). */
  kinesisAccessKeyId: string;
  kinesisSecretAccessKey: string;
  /** Length of a minute in rate() schedules, ms: 60000; shorter only to test islet (ISLET_RATE_MINUTE_MS). */
  rateMinuteMs: number;
  /** Pause between empty reads of a stream shard, ms (--stream-poll-ms, ISLET_STREAM_POLL_MS; default 1000). */
  streamPollMs: number;
  /** Token storage webhooks must present (--hook-token, ISLET_HOOK_TOKEN); without one only loopback senders. */
  hookToken?: string;
  /** Server log level (--log-level, ISLET_LOG_LEVEL; default info). */
  logLevel: LogLevel;
  /** Serve the API unauthenticated on a non-loopback --host while no access key exists (--insecure, ISLET_INSECURE=1; default false). */
  insecure: boolean;
  /** Days of per-minute metrics kept (--metrics-retention-days, ISLET_METRICS_RETENTION_DAYS; default 30). */
  metricsRetentionDays: number;
  /** Days of invocation logs kept unless a log group sets its own (--log-retention-days, ISLET_LOG_RETENTION_DAYS; default 30). */
  logRetentionDays: number;
  /** Invocation logs kept per function in MB, oldest dropped first (--log-max-mb, ISLET_LOG_MAX_MB; default 100). */
  logMaxMbPerFunction: number;
  /** Billing prices in USD and the monthly free tier (--price-per-million-requests 0.20, --price-per-gb-second 0.00001667, --free-requests 1000000, --free-gb-seconds 400000). */
  prices: {
    perMillionRequests: number;
    perGbSecond: number;
    freeRequestsPerMonth: number;
    freeGbSecondsPerMonth: number;
  };
  /** JSON file naming external S3/DynamoDB/Kinesis endpoints for functions' SDK calls (--services, ISLET_SERVICES). */
  servicesFile?: string;
  /** Host names, *.suffix patterns and CIDRs fetch() may reach even when private (--fetch-allow, ISLET_FETCH_ALLOW; comma list). */
  fetchAllow: string[];
  /** More host names, patterns and CIDRs fetch() may not reach; wins over allow (--fetch-deny, ISLET_FETCH_DENY). */
  fetchDeny: string[];
  /** Limit of one fetch() in ms, redirects and body included; the invocation's deadline also bounds it (--fetch-timeout-ms; default 30000). */
  fetchTimeoutMs: number;
  /** Largest fetch() response body in bytes, after decompression (--fetch-max-response-bytes; default 6 MiB, at most 12000000). */
  fetchMaxResponseBytes: number;
  /** Largest fetch() request body in bytes (--fetch-max-request-bytes; default 6 MiB, at most 12000000). */
  fetchMaxRequestBytes: number;
}

/** Defaults, overridden by environment variables, overridden by flags. */
export function resolveConfig(
  flags: Partial<Record<keyof ServerConfig, string | undefined>>,
  env = process.env,
): ServerConfig {
  const pick = (key: keyof ServerConfig, envName: string, fallback: string) =>
    flags[key] ?? env[envName] ?? fallback;
  const int = (key: keyof ServerConfig, envName: string, fallback: number, min: number, max: number) => {
    const raw = pick(key, envName, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`invalid ${key}: '${raw}' (expected an integer from ${min} to ${max})`);
    }
    return n;
  };
  const num = (key: string, envName: string, fallback: number) => {
    const raw = (flags as Record<string, string | undefined>)[key] ?? env[envName] ?? String(fallback);
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new Error(`invalid ${key}: '${raw}' (expected a number >= 0)`);
    }
    return n;
  };
  const level = pick('logLevel', 'ISLET_LOG_LEVEL', 'info');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new Error(`invalid logLevel: '${level}'`);
  return {
    port: int('port', 'ISLET_PORT', 4000, 0, 65535),
    host: pick('host', 'ISLET_HOST', '127.0.0.1'),
    dataDir: resolve(pick('dataDir', 'ISLET_DATA', '.islet')),
    concurrency: int('concurrency', 'ISLET_CONCURRENCY', 1000, 1, 1_000_000),
    executors: int('executors', 'ISLET_EXECUTORS', Math.max(1, availableParallelism()), 1, 256),
    maxEnvironments: int('maxEnvironments', 'ISLET_MAX_ENVIRONMENTS', 8000, 1, 100_000),
    memoryBudgetMb: int(
      'memoryBudgetMb',
      'ISLET_MEMORY_BUDGET_MB',
      Math.min(8192, Math.floor(totalmem() / 2 / 1024 / 1024)),
      16,
      10_000_000,
    ),
    cpuLimitMs: int('cpuLimitMs', 'ISLET_CPU_LIMIT_MS', 0, 0, 900_000),
    region: pick('region', 'ISLET_REGION', env.AWS_REGION ?? 'us-east-1'),
    accountId: pick('accountId', 'ISLET_ACCOUNT_ID', '000000000000'),
    asyncRetryBaseMs: int('asyncRetryBaseMs', 'ISLET_ASYNC_RETRY_BASE_MS', 60_000, 0, 3_600_000),
    hookToken: pick('hookToken', 'ISLET_HOOK_TOKEN', '') || undefined,
    kinesisEndpoint: pick('kinesisEndpoint', 'ISLET_KINESIS_ENDPOINT', '') || undefined,
    kinesisAccessKeyId: env.ISLET_KINESIS_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID ?? 'islet',
    kinesisSecretAccessKey: env.ISLET_KINESIS_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY ?? 'islet',
    rateMinuteMs: Number(env.ISLET_RATE_MINUTE_MS ?? 60_000) || 60_000,
    streamPollMs: int('streamPollMs', 'ISLET_STREAM_POLL_MS', 1000, 10, 60_000),
    logLevel: level as LogLevel,
    insecure: ['1', 'true', 'yes'].includes(String(pick('insecure', 'ISLET_INSECURE', '')).toLowerCase()),
    servicesFile: pick('servicesFile', 'ISLET_SERVICES', '') || undefined,
    prices: {
      perMillionRequests: num('pricePerMillionRequests', 'ISLET_PRICE_PER_MILLION_REQUESTS', 0.2),
      perGbSecond: num('pricePerGbSecond', 'ISLET_PRICE_PER_GB_SECOND', 0.00001667),
      freeRequestsPerMonth: num('freeRequests', 'ISLET_FREE_REQUESTS', 1_000_000),
      freeGbSecondsPerMonth: num('freeGbSeconds', 'ISLET_FREE_GB_SECONDS', 400_000),
    },
    metricsRetentionDays: int('metricsRetentionDays', 'ISLET_METRICS_RETENTION_DAYS', 30, 1, 3650),
    logRetentionDays: int('logRetentionDays', 'ISLET_LOG_RETENTION_DAYS', 30, 1, 3650),
    logMaxMbPerFunction: int('logMaxMbPerFunction', 'ISLET_LOG_MAX_MB', 100, 1, 1_000_000),
    fetchAllow: parseEgressList(pick('fetchAllow', 'ISLET_FETCH_ALLOW', ''), 'fetchAllow'),
    fetchDeny: parseEgressList(pick('fetchDeny', 'ISLET_FETCH_DENY', ''), 'fetchDeny'),
    fetchTimeoutMs: int('fetchTimeoutMs', 'ISLET_FETCH_TIMEOUT_MS', 30_000, 1, 900_000),
    fetchMaxResponseBytes: int(
      'fetchMaxResponseBytes',
      'ISLET_FETCH_MAX_RESPONSE_BYTES',
      6 * 1024 * 1024,
      0,
      12_000_000,
    ),
    fetchMaxRequestBytes: int(
      'fetchMaxRequestBytes',
      'ISLET_FETCH_MAX_REQUEST_BYTES',
      6 * 1024 * 1024,
      0,
      12_000_000,
    ),
  };
}
