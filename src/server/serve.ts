import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { ServerConfig } from '../config';
import { ApiAuthorizer } from '../control/api-actions';
import { Functions } from '../control/functions';
import { Identities } from '../control/identities';
import { Multipart } from '../control/multipart';
import { BucketNotifications } from '../control/notifications';
import { Objects } from '../control/objects';
import { RoleAuthorizer } from '../control/role-authorizer';
import { ReplayGuard, SigV4Verifier } from '../control/sigv4';
import { AsyncQueue } from '../events/async-queue';
import { Scheduler } from '../events/scheduler';
import { StreamMappings } from '../events/streams/manager';
import { StorageTriggers } from '../events/triggers';
import type { Logger } from '../logger';
import { Admission } from '../runtime/admission';
import { ExecutorPool } from '../runtime/executors';
import { Invoker } from '../runtime/invoker';
import { dynamodbService } from '../services/dynamodb';
import { EmbeddedTables } from '../services/dynamodb-embedded';
import { DynamoDBStreamsApi } from '../services/dynamodb-streams-api';
import { EgressPolicy } from '../services/egress';
import { ServiceEndpoints } from '../services/endpoints';
import { fetchService } from '../services/fetch';
import { ServiceHost } from '../services/host';
import { kinesisService } from '../services/kinesis';
import { lambdaService } from '../services/lambda';
import { s3Service } from '../services/s3';
import { AsyncEventStore } from '../store/async-store';
import { CodeStore } from '../store/code-store';
import { openDatabase } from '../store/db';
import { FunctionStore } from '../store/function-store';
import { IamStore } from '../store/iam-store';
import { MappingStore } from '../store/mapping-store';
import { NotificationStore } from '../store/notification-store';
import { ObjectStore } from '../store/object-store';
import { RuleStore } from '../store/rule-store';
import { loadSecret } from '../store/secret';
import { TableEngine, TableEngineError } from '../store/table-engine';
import { TableStreamLog } from '../store/table-streams';
import { Telemetry } from '../telemetry/telemetry';
import { createApp } from './app';
import { ApiAuth, accessKeysExist, assertSafeBind, isLoopbackHost } from './auth';
import { CodeUrlSigner } from './code-url';
import type { TablesApi } from './routes/dynamodb';
import { s3Routes } from './routes/s3';

/**
 * A process aborts at about 7,300 isolates (each maps memory; vm.max_map_count), so one executor
 * never holds more than this many warm environments, whatever --max-environments says.
 */
const maxEnvironmentsPerExecutor = 6000;

/** A running islet server. */
export interface RunningServer {
  port: number;
  /** Stops accepting, lets in-flight invocations finish, stops executors, closes the store. */
  stop(): Promise<void>;
}

/** Wires store, runtime, events and HTTP together and starts listening. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(config.dataDir);
  // Beyond loopback the API needs access keys (or --insecure): refuse before anything starts.
  const iamStore = new IamStore(db, loadSecret(config.dataDir), config.accountId);
  const keysExist = accessKeysExist(iamStore);
  assertSafeBind(config.host, config.insecure, keysExist());
  const store = new FunctionStore(db);
  const code = new CodeStore(config.dataDir);
  const collected = code.collect(store.referencedCode());
  if (collected) logger.info('code.collected', { removed: collected });
  const executors = new ExecutorPool(
    {
      count: config.executors,
      maxEnvironments: Math.max(
        1,
        Math.min(maxEnvironmentsPerExecutor, Math.floor(config.maxEnvironments / config.executors)),
      ),
      memoryBudgetBytes: Math.floor((config.memoryBudgetMb * 1024 * 1024) / config.executors),
      dataDir: config.dataDir,
    },
    logger,
  );
  executors.start();
  const admission = new Admission(config.concurrency);
  const account = { region: config.region, accountId: config.accountId };
  const functions = new Functions(store, code, admission, account, (name) => executors.retire(name));
  const telemetry = new Telemetry(
    config.dataDir,
    {
      metrics: { retentionDays: config.metricsRetentionDays, maxRows: 2_000_000, flushMs: 10_000 },
      logs: {
        retentionDays: config.logRetentionDays,
        maxBytesPerFunction: config.logMaxMbPerFunction * 1024 * 1024,
      },
      prices: config.prices,
    },
    logger,
  );
  telemetry.start();
  const invoker = new Invoker(executors, admission, config.cpuLimitMs, telemetry);
  const asyncStore = new AsyncEventStore(db);
  const asyncQueue = new AsyncQueue(
    {
      store: asyncStore,
      run: (event) =>
        invoker.invoke(functions.deployed(event.functionName), event.payload, { requestId: event.id }),
      settings: (name) => functions.asyncSettings(name),
      destinationFunction: (arn) => functions.destinationFunction(arn),
      onDeadLetter: (name) => telemetry.metrics.deadLetter(name),
      logger,
    },
    {
      retryBaseMs: config.asyncRetryBaseMs,
      throttleBaseMs: Math.min(1000, config.asyncRetryBaseMs),
      throttleMaxDelayMs: 300_000,
      maxInFlight: Math.max(1, Math.min(256, Math.floor(config.concurrency / 2))),
    },
  );
  asyncQueue.start();
  const endpoints = ServiceEndpoints.load(config.servicesFile, {
    region: config.region,
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  });
  if (config.kinesisEndpoint) {
    endpoints.setDefault('kinesis', {
      url: config.kinesisEndpoint,
      region: config.region,
      accessKeyId: config.kinesisAccessKeyId,
      secretAccessKey: config.kinesisSecretAccessKey,
    });
  }
  // Execution roles: functions call services as their role's inline policies allow (local mode: no roles, no checks).
  const identities = new Identities(iamStore);
  const authorizer = new RoleAuthorizer(iamStore, (name) => functions.get(name).role, account, logger);
  authorizer.announce();
  const services = new ServiceHost(authorizer, logger);
  services.register('lambda', lambdaService({ functions, invoker, asyncQueue }));
  // islet's own tables (LevelDB under <data>/dynamodb) and their streams (SQLite).
  const tableStreams = new TableStreamLog(db);
  const tables = openTables(config.dataDir, account, tableStreams, logger);
  // Writes islet stopped in the middle of get their stream records before anything new is written.
  const recovered = await (tables.embedded?.recover() ?? Promise.resolve(0)).catch((e: Error) => {
    logger.error('dynamodb.recover_failed', { error: e.message });
    return 0;
  });
  if (recovered) logger.info('dynamodb.stream_records_recovered', { count: recovered });
  const dynamodb = dynamodbService({ endpoints, account, embedded: tables.embedded });
  services.register('dynamodb', dynamodb);
  const kinesis = kinesisService({ endpoints, account });
  services.register('kinesis', kinesis);
  // Embedded S3: objects are stored in the data dir; their events go to the storage triggers.
  const objectStore = new ObjectStore(db, config.dataDir);
  const collectedObjects = objectStore.collect();
  if (collectedObjects) logger.info('objects.collected', { removed: collectedObjects });
  const objects = new Objects(
    objectStore,
    async (records) => {
      try {
        await triggers.dispatch(records);
      } catch (e) {
        logger.error('objects.event_failed', { error: String(e) });
      }
    },
    config.region,
  );
  const objectStorage = { objects, multipart: new Multipart(objects), accountId: config.accountId };
  const s3 = s3Service({
    endpoints,
    region: config.region,
    embedded: (request, env) => embeddedS3.fetch(request, env) as Promise<Response>,
  });
  services.register('s3', s3);
  services.register(
    'fetch',
    fetchService(
      {
        policy: new EgressPolicy(config.fetchAllow, config.fetchDeny),
        timeoutMs: config.fetchTimeoutMs,
        maxResponseBytes: config.fetchMaxResponseBytes,
        maxRequestBytes: config.fetchMaxRequestBytes,
      },
      logger,
    ),
  );
  executors.handleCalls((meta, input) => services.handle(meta, input));
  const notificationStore = new NotificationStore(db);
  const bucketNotifications = new BucketNotifications(notificationStore, functions, config.accountId);
  const triggers = new StorageTriggers(notificationStore, functions, asyncQueue, account, logger);
  const embeddedS3 = s3Routes(bucketNotifications, objectStorage, logger);
  const mappingStore = new MappingStore(db);
  const streamMappings = new StreamMappings(
    mappingStore,
    functions,
    invoker,
    asyncQueue,
    {
      url: config.kinesisEndpoint,
      region: config.region,
      accessKeyId: config.kinesisAccessKeyId,
      secretAccessKey: config.kinesisSecretAccessKey,
    },
    {
      idlePollMs: config.streamPollMs,
      retryBaseMs: Math.min(1000, config.asyncRetryBaseMs),
      maxRetryDelayMs: 60_000,
    },
    logger,
    (name, ageMs) => telemetry.metrics.iteratorAge(name, ageMs),
    tableStreams,
  );
  streamMappings.start();
  const ruleStore = new RuleStore(db);
  const scheduler = new Scheduler(ruleStore, functions, asyncQueue, account, logger, config.rateMinuteMs);
  scheduler.start();
  let accepting = true;
  let port = config.port;
  // API callers: SigV4 of an Active key, then the user's policies (local mode: no keys, no checks).
  const authRequired = !isLoopbackHost(config.host) && !config.insecure;
  const apiAuth = new ApiAuth({
    verifier: new SigV4Verifier({ keys: iamStore, region: config.region, replay: new ReplayGuard() }),
    authorizer: new ApiAuthorizer({
      userPolicies: (user) => iamStore.policies('user', user).map((p) => p.document),
      functionPolicy: (name) => store.get(name)?.policy,
    }),
    enforced: () => authRequired || keysExist(),
    account,
    logger,
  });
  logger.info('auth.mode', {
    apiAuthentication: authRequired || keysExist() ? 'on' : 'off (no access keys)',
  });
  const app = createApp(
    {
      functions,
      invoker,
      asyncQueue,
      mappings: { store: mappingStore, manager: streamMappings },
      deadLetters: {
        list: (fn, marker, limit) => asyncStore.listDead(fn, marker, limit),
        remove: (id) => asyncStore.removeDead(id),
      },
      codeUrls: new CodeUrlSigner(loadSecret(config.dataDir)),
      identities,
      tables: tables.api,
      telemetry,
      logger,
      account,
      baseUrl: () => `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      accepting: () => accepting,
    },
    code,
    {
      triggers,
      notifications: bucketNotifications,
      hookToken: config.hookToken,
      rules: ruleStore,
      scheduler,
      objectStorage,
    },
    apiAuth,
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        serverOptions: {
          maxHeaderSize: 16 * 1024,
          requestTimeout: 15 * 60_000 + 30_000,
          headersTimeout: 20_000,
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    async stop() {
      accepting = false;
      asyncQueue.stop();
      scheduler.stop();
      await streamMappings.stop();
      await invoker.drain();
      const http = server as unknown as { closeIdleConnections(): void; closeAllConnections(): void };
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        http.closeIdleConnections();
        // Responses already written get a moment to flush; then every connection goes.
        setTimeout(() => http.closeAllConnections(), 1000).unref();
      });
      await executors.stop();
      telemetry.stop();
      dynamodb.close();
      await tables.embedded?.engine.close();
      kinesis.close();
      s3.close();
      iamStore.close();
      db.close();
    },
  };
}

/**
 * islet's own DynamoDB tables. If the table engine cannot open (its native LevelDB addon missing
 * or the directory locked by another islet), DynamoDB calls answer a clear error instead.
 */
function openTables(
  dataDir: string,
  account: { region: string; accountId: string },
  log: TableStreamLog,
  logger: Logger,
): {
  embedded?: EmbeddedTables;
  api: TablesApi;
} {
  try {
    const engine = TableEngine.open(dataDir, account);
    const embedded = new EmbeddedTables(engine, log, account);
    const streams = new DynamoDBStreamsApi(log, engine, account);
    return {
      embedded,
      api: {
        call: (op, input) => embedded.call(op, input),
        callStreams: (op, input) => streams.call(op, input),
      },
    };
  } catch (e) {
    const reason = (e as Error).message;
    logger.error('dynamodb.unavailable', { error: reason });
    return {
      api: {
        call: () =>
          Promise.reject(
            new TableEngineError(503, {
              __type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailableException',
              message: `islet's DynamoDB tables are unavailable in this process: ${reason}`,
            }),
          ),
      },
    };
  }
}
