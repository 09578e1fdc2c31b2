import type { Functions } from '../control/functions';
import type { Identities } from '../control/identities';
import type { AsyncQueue } from '../events/async-queue';
import type { StreamMappings } from '../events/streams/manager';
import type { Logger } from '../logger';
import type { Invoker } from '../runtime/invoker';
import type { StoredEvent } from '../store/async-store';
import type { MappingStore } from '../store/mapping-store';
import type { Telemetry } from '../telemetry/telemetry';
import type { CodeUrlSigner } from './code-url';
import type { TablesApi } from './routes/dynamodb';

/** What the HTTP layer is given to talk to: the server wires these, the routes only call them. */
export interface ServerDeps {
  functions: Functions;
  invoker: Invoker;
  asyncQueue: AsyncQueue;
  /** Event source mappings: their store and the runners that poll them. */
  mappings: { store: MappingStore; manager: StreamMappings };
  /** Read and remove dead letters (failed asynchronous events). */
  deadLetters: {
    list(functionName: string | undefined, marker: string, limit: number): StoredEvent[];
    remove(id: string): boolean;
  };
  codeUrls: CodeUrlSigner;
  /** IAM roles, users and access keys, for the IAM API (absent where an app is built without them). */
  identities?: Identities;
  /** islet's own DynamoDB tables, for the DynamoDB API (absent where an app is built without them). */
  tables?: TablesApi;
  /** Metrics and invocation logs. */
  telemetry: Telemetry;
  logger: Logger;
  account: { region: string; accountId: string };
  /** Base URL clients reach islet at (for Code.Location and FunctionUrl), e.g. http://127.0.0.1:4000. */
  baseUrl(): string;
  /** False once shutdown has begun: new invocations are refused. */
  accepting(): boolean;
}
