import { version } from 'islet:version';
import { Command, Option } from 'commander';
import { resolveConfig } from '../config';
import { sampleEvents } from '../events/samples';
import { createLogger } from '../logger';
import { runExecutor } from '../runtime/executor/main';
import { lowerPriority } from '../runtime/executor/priority';
import { InsecureBindError } from '../server/auth';
import { startServer } from '../server/serve';
import { billingCommand } from './billing';
import { deadLetterCommands } from './dead-letters';
import { functionCommands } from './functions';
import { keyCommands } from './keys';
import { logsCommand } from './logs';
import { mappingCommands } from './mappings';
import { metricsCommand } from './metrics';
import { triggersCommand } from './triggers';

/** The islet command line. */
const program = new Command();
program
  .name('islet')
  .description('A self-hosted AWS Lambda for Node.js functions, in V8 isolates')
  .version(version);

program
  .command('serve')
  .description('start islet: the Lambda API, function URLs and the executors')
  .option('--port <n>', 'TCP port (env ISLET_PORT; default 4000, 0 = any free port)')
  .option('--host <addr>', 'address to bind (env ISLET_HOST; default 127.0.0.1)')
  .option('--data <dir>', 'data directory (env ISLET_DATA; default ./.islet)')
  .option('--concurrency <n>', 'account concurrency limit (env ISLET_CONCURRENCY; default 1000)')
  .option('--executors <n>', 'executor processes (env ISLET_EXECUTORS; default: CPU count)')
  .option(
    '--max-environments <n>',
    'warm environments kept, all executors (env ISLET_MAX_ENVIRONMENTS; default 8000)',
  )
  .option('--memory-budget-mb <n>', 'memory for warm environments in MB (env ISLET_MEMORY_BUDGET_MB)')
  .option('--cpu-limit-ms <n>', 'CPU time cap per invocation in ms, 0 = none (env ISLET_CPU_LIMIT_MS)')
  .option('--region <name>', 'region used in ARNs (env ISLET_REGION; default us-east-1)')
  .option('--account-id <id>', 'account id used in ARNs (env ISLET_ACCOUNT_ID; default 000000000000)')
  .option('--async-retry-base-ms <n>', 'first retry delay of failed async invocations in ms (default 60000)')
  .option(
    '--hook-token <token>',
    'token storage webhooks must send (env ISLET_HOOK_TOKEN; default: loopback only)',
  )
  .option('--kinesis-endpoint <url>', 'Kinesis API endpoint for stream mappings (env ISLET_KINESIS_ENDPOINT)')
  .option('--stream-poll-ms <n>', 'pause between empty reads of a stream shard in ms (default 1000)')
  .option('--log-level <level>', 'debug | info | warn | error (env ISLET_LOG_LEVEL; default info)')
  .option('--services <file>', 'JSON file of external S3/DynamoDB/Kinesis endpoints (env ISLET_SERVICES)')
  .option('--insecure', 'serve the API unauthenticated on a non-loopback --host while no access key exists')
  .option('--metrics-retention-days <n>', 'days of per-minute metrics kept (default 30)')
  .option('--log-retention-days <n>', 'days of invocation logs kept (default 30)')
  .option('--log-max-mb <n>', 'MB of invocation logs kept per function (default 100)')
  .option('--price-per-million-requests <usd>', 'billing: USD per million requests (default 0.20)')
  .option('--price-per-gb-second <usd>', 'billing: USD per GB-second (default 0.00001667)')
  .option('--free-requests <n>', 'billing: free requests per month (default 1000000)')
  .option('--free-gb-seconds <n>', 'billing: free GB-seconds per month (default 400000)')
  .option(
    '--fetch-allow <list>',
    'host names, *.suffix patterns and CIDRs fetch() may reach even if private (env ISLET_FETCH_ALLOW)',
  )
  .option(
    '--fetch-deny <list>',
    'host names, *.suffix patterns and CIDRs fetch() may not reach (env ISLET_FETCH_DENY)',
  )
  .option('--fetch-timeout-ms <n>', 'limit of one fetch() in ms (env ISLET_FETCH_TIMEOUT_MS; default 30000)')
  .option('--fetch-max-response-bytes <n>', 'largest fetch() response body in bytes (default 6291456)')
  .option('--fetch-max-request-bytes <n>', 'largest fetch() request body in bytes (default 6291456)')
  .action(async (opts: Record<string, string | undefined>) => {
    let config: ReturnType<typeof resolveConfig>;
    try {
      config = resolveConfig({
        ...opts,
        dataDir: opts.data,
        servicesFile: opts.services,
        logMaxMbPerFunction: opts.logMaxMb,
      });
    } catch (e) {
      console.error(`islet: ${(e as Error).message}`);
      process.exit(2);
    }
    const logger = createLogger(config.logLevel);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config, logger);
    } catch (e) {
      if (!(e instanceof InsecureBindError)) throw e;
      console.error(`islet: ${e.message}`);
      process.exit(2);
    }
    logger.info('server.started', {
      port: server.port,
      host: config.host,
      dataDir: config.dataDir,
      executors: config.executors,
    });
    process.stdout.write(
      `islet ${version} listening on http://${config.host}:${server.port} (data: ${config.dataDir})\n`,
    );
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info('server.stopping', { signal });
      server.stop().then(
        () => {
          logger.info('server.stopped', {});
          process.exit(0);
        },
        (e: unknown) => {
          logger.error('server.stop_failed', { error: (e as Error).message });
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

const events = program.command('events').description('event shapes islet delivers');
events
  .command('sample')
  .argument('[type]', `one of: ${Object.keys(sampleEvents).join(', ')}`)
  .description('print a sample event as JSON (no type: list the types)')
  .action((type: string | undefined) => {
    if (!type) {
      for (const [name, s] of Object.entries(sampleEvents))
        process.stdout.write(`${name.padEnd(16)} ${s.description}\n`);
      return;
    }
    const sample = sampleEvents[type];
    if (!sample) {
      console.error(
        `islet: unknown event type '${type}'; choose one of: ${Object.keys(sampleEvents).join(', ')}`,
      );
      process.exit(2);
    }
    process.stdout.write(`${JSON.stringify(sample.build(), null, 2)}\n`);
  });

functionCommands(program);
mappingCommands(program);
triggersCommand(program);
deadLetterCommands(program);
keyCommands(program);
logsCommand(program);
metricsCommand(program);
billingCommand(program);

program
  .command('executor', { hidden: true })
  .description('internal: an executor process, started by serve')
  .addOption(new Option('--max-environments <n>').default('2000'))
  .addOption(new Option('--memory-budget-bytes <n>').default(String(2 * 1024 ** 3)))
  .addOption(new Option('--data <dir>').default('./.islet'))
  .addOption(new Option('--nice <n>').default('0'))
  .action((opts: { maxEnvironments: string; memoryBudgetBytes: string; data: string; nice: string }) => {
    if (Number(opts.nice) > 0) lowerPriority(Number(opts.nice));
    runExecutor(
      {
        maxEnvironments: Number(opts.maxEnvironments),
        memoryBudgetBytes: Number(opts.memoryBudgetBytes),
      },
      opts.data,
    );
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`islet: ${(e as Error).message}`);
  process.exit(1);
});
