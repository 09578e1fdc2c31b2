import * as ddb from '@aws-sdk/client-dynamodb';
import {
  type marshallOptions as MarshallOptions,
  marshall,
  NumberValueImpl,
  type unmarshallOptions as UnmarshallOptions,
  unmarshall,
} from '@aws-sdk/util-dynamodb';
import { docOperations, translate } from './models/dynamodb-documents';
import { paginator } from './v3';

/**
 * `@aws-sdk/lib-dynamodb` inside the sandbox: the document client over islet's DynamoDB client.
 * Native values are marshalled here, in the sandbox, with the real `@aws-sdk/util-dynamodb`; the
 * host only ever sees low-level DynamoDB JSON. Which members are translated follows the real
 * package (models/dynamodb-documents.ts). Low-level commands sent through it pass unchanged.
 */

/** What `from(client, translateConfig)` takes. */
export interface TranslateConfig {
  marshallOptions?: MarshallOptions;
  unmarshallOptions?: UnmarshallOptions;
}

interface LowLevelClient {
  send(command: unknown, ...rest: unknown[]): Promise<unknown> | undefined;
  config?: Record<string, unknown>;
}

const commandOperation = new WeakMap<object, string>();

/** The document command base: holds its native input; a document client translates and sends it. */
class DynamoDBDocumentClientCommand {
  constructor(readonly input: Record<string, unknown> = {}) {}
}

/** The marshalled input for a document operation (exported for tests). */
export function marshallInput(name: string, input: Record<string, unknown>, config: TranslateConfig = {}) {
  const options = { ...config.marshallOptions };
  options.convertTopLevelContainer ??= true;
  return translate(input ?? {}, docOperations[name]!.input, (v) => marshall(v as never, options)) as Record<
    string,
    unknown
  >;
}

/** The native output of a document operation (exported for tests). */
export function unmarshallOutput(
  name: string,
  output: Record<string, unknown>,
  config: TranslateConfig = {},
) {
  const options = { ...config.unmarshallOptions };
  options.convertWithoutMapWrapper ??= true;
  return translate(output, docOperations[name]!.output, (v) => unmarshall(v as never, options)) as Record<
    string,
    unknown
  >;
}

/** `DynamoDBDocumentClient.from(client, translateConfig)`: sends document commands through `client`. */
export class DynamoDBDocumentClient {
  readonly config: Record<string, unknown>;
  readonly middlewareStack = { add() {}, addRelativeTo() {}, use() {}, remove() {}, clone: () => ({}) };

  constructor(
    private readonly client: LowLevelClient,
    private readonly translateConfig: TranslateConfig = {},
  ) {
    if (!client || typeof client.send !== 'function') {
      throw new TypeError('DynamoDBDocumentClient.from: expected a DynamoDBClient');
    }
    this.config = { ...(client.config ?? {}), translateConfig };
  }

  static from(client: LowLevelClient, translateConfig?: TranslateConfig): DynamoDBDocumentClient {
    return new DynamoDBDocumentClient(client, translateConfig);
  }

  send(command: object, optionsOrCb?: unknown, cb?: unknown): Promise<unknown> | undefined {
    const name = command ? commandOperation.get(Object.getPrototypeOf(command).constructor) : undefined;
    // Low-level commands (GetItemCommand, ...) go through as they are, as with the real client.
    if (name === undefined) return this.client.send(command, optionsOrCb, cb);
    const p = this.run(name, (command as DynamoDBDocumentClientCommand).input);
    const callback = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
    if (typeof callback !== 'function') return p;
    p.then(
      (data) => callback(null, data),
      (err) => callback(err),
    );
    return undefined;
  }

  destroy(): void {}

  private async run(name: string, input: Record<string, unknown>): Promise<unknown> {
    const { op } = docOperations[name]!;
    const marshalled = marshallInput(name, input, this.translateConfig);
    const Low = (ddb as unknown as Record<string, new (i: unknown) => unknown>)[`${op}Command`]!;
    const output = (await this.client.send(new Low(marshalled))) as Record<string, unknown>;
    return unmarshallOutput(name, output, this.translateConfig);
  }
}

/** The aggregated document client: `DynamoDBDocument.from(client).get(input)`. */
export class DynamoDBDocument extends DynamoDBDocumentClient {
  static override from(client: LowLevelClient, translateConfig?: TranslateConfig): DynamoDBDocument {
    return new DynamoDBDocument(client, translateConfig);
  }
}

const exports: Record<string, unknown> = {
  DynamoDBDocumentClient,
  DynamoDBDocument,
  DynamoDBDocumentClientCommand,
  NumberValue: NumberValueImpl,
};
for (const name of Object.keys(docOperations)) {
  const Cmd = class extends DynamoDBDocumentClientCommand {};
  Object.defineProperty(Cmd, 'name', { value: `${name}Command` });
  commandOperation.set(Cmd, name);
  exports[`${name}Command`] = Cmd;
  const method = name[0]!.toLowerCase() + name.slice(1);
  Object.defineProperty(DynamoDBDocument.prototype, method, {
    value(this: DynamoDBDocument, input: Record<string, unknown>, optionsOrCb?: unknown, cb?: unknown) {
      return this.send(new Cmd(input), optionsOrCb, cb);
    },
    enumerable: false,
  });
}
exports.paginateQuery = paginator(
  exports.QueryCommand as never,
  'ExclusiveStartKey',
  'LastEvaluatedKey',
  'Limit',
);
exports.paginateScan = paginator(
  exports.ScanCommand as never,
  'ExclusiveStartKey',
  'LastEvaluatedKey',
  'Limit',
);
/** Batch gets until no keys are left unprocessed, as the real package's paginatedBatchGet. */
exports.paginatedBatchGet = async function* paginatedBatchGet(
  config: { client: DynamoDBDocumentClient },
  input: Record<string, unknown>,
) {
  let requestItems = input.RequestItems as Record<string, unknown> | undefined;
  while (requestItems && Object.keys(requestItems).length > 0) {
    const Cmd = exports.BatchGetCommand as new (i: unknown) => object;
    const page = (await config.client.send(new Cmd({ ...input, RequestItems: requestItems }))) as {
      UnprocessedKeys?: Record<string, unknown>;
    };
    requestItems = page.UnprocessedKeys;
    yield page;
  }
};

export default exports;
