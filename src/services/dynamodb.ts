import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { tableArn } from '../arns';
import { TableEngineError } from '../store/table-engine';
import { type EmbeddedTables, fromTableJson, toTableJson } from './dynamodb-embedded';
import type { Endpoint, ServiceEndpoints } from './endpoints';
import { type Service, ServiceCallFailure } from './host';
import {
  type Account,
  clientSettings,
  EndpointClients,
  endpointKey,
  nestedDeeperThan,
  type Permission,
  sendUpstream,
} from './upstream';

type AnyCommand = new (input: any) => any;

/** The DynamoDB operations a function can call, with the SDK command that runs each upstream. */
const commands: Record<string, AnyCommand> = {
  GetItem: GetItemCommand,
  PutItem: PutItemCommand,
  UpdateItem: UpdateItemCommand,
  DeleteItem: DeleteItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  BatchGetItem: BatchGetItemCommand,
  BatchWriteItem: BatchWriteItemCommand,
  TransactGetItems: TransactGetItemsCommand,
  TransactWriteItems: TransactWriteItemsCommand,
  DescribeTable: DescribeTableCommand,
  ListTables: ListTablesCommand,
  CreateTable: CreateTableCommand,
  DeleteTable: DeleteTableCommand,
};

/** What a DynamoDB call touches: the tables (by name, to pick the endpoint) and the permissions it needs. */
export interface DynamoAccess {
  tables: string[];
  permissions: Permission[];
}

/** JSON depth of an input: 32 nested attribute values (two levels each) plus the request around them. */
const maxInputDepth = 80;

const tableNamePattern = /^[a-zA-Z0-9_.-]{3,255}$/;
const tableArnPattern = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/([a-zA-Z0-9_.-]{3,255})$/;

function invalid(message: string): ServiceCallFailure {
  return new ServiceCallFailure('ValidationException', message);
}

function shown(v: unknown): string {
  return typeof v === 'string' ? `'${v.slice(0, 300)}'` : v === undefined ? 'null' : typeof v;
}

/** A TableName member: a table name, or a table ARN (which is then the IAM resource as given). */
function tableRef(v: unknown, where: string, account: Account): { name: string; arn: string } {
  if (typeof v !== 'string') {
    throw invalid(
      `1 validation error detected: Value ${shown(v)} at '${where}' failed to satisfy constraint: Member must be a table name`,
    );
  }
  const fromArn = tableArnPattern.exec(v);
  if (fromArn) return { name: fromArn[1]!, arn: v };
  if (!tableNamePattern.test(v)) {
    throw invalid(
      `1 validation error detected: Value ${shown(v)} at '${where}' failed to satisfy constraint: Member must be 3 to 255 characters of [a-zA-Z0-9_.-] or a table ARN`,
    );
  }
  return { name: v, arn: tableArn(account, v) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The members of a transaction item and the IAM action each needs (AWS authorises the item's own action). */
const transactWriteActions = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
} as const;

/**
 * The tables a call touches and the permissions it needs, as AWS authorises DynamoDB: the
 * operation's own action on each table (on the index for Query/Scan with IndexName); batch
 * operations on every table of the batch; transactions per item with the item's action
 * (Get -> dynamodb:GetItem, Put -> dynamodb:PutItem, ..., ConditionCheck -> dynamodb:ConditionCheckItem);
 * ListTables on `*`. Throws ValidationException when the input does not name its tables properly.
 */
export function dynamodbAccess(op: string, input: Record<string, unknown>, account: Account): DynamoAccess {
  const tables: string[] = [];
  const permissions: Permission[] = [];
  const add = (action: string, v: unknown, where: string, index?: unknown) => {
    const t = tableRef(v, where, account);
    if (!tables.includes(t.name)) tables.push(t.name);
    let resource = t.arn;
    if (index !== undefined) {
      if (typeof index !== 'string' || !tableNamePattern.test(index)) {
        throw invalid(
          `1 validation error detected: Value ${shown(index)} at 'indexName' failed to satisfy constraint: Member must be 3 to 255 characters of [a-zA-Z0-9_.-]`,
        );
      }
      resource = `${t.arn}/index/${index}`;
    }
    if (!permissions.some((p) => p.action === action && p.resource === resource)) {
      permissions.push({ action, resource });
    }
  };
  switch (op) {
    case 'ListTables':
      permissions.push({ action: 'dynamodb:ListTables', resource: '*' });
      break;
    case 'Query':
    case 'Scan':
      add(`dynamodb:${op}`, input.TableName, 'tableName', input.IndexName);
      break;
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const items = input.RequestItems;
      if (!isRecord(items) || Object.keys(items).length === 0) {
        throw invalid(`${op}: RequestItems must map at least one table name to its requests`);
      }
      for (const name of Object.keys(items)) add(`dynamodb:${op}`, name, 'requestItems');
      break;
    }
    case 'TransactGetItems':
    case 'TransactWriteItems': {
      const items = input.TransactItems;
      if (!Array.isArray(items) || items.length === 0 || items.length > 100) {
        throw invalid(`${op}: TransactItems must be a list of 1 to 100 items`);
      }
      items.forEach((item, i) => {
        const where = `transactItems.${i + 1}`;
        if (!isRecord(item)) throw invalid(`${op}: ${where} must be an object`);
        const kinds =
          op === 'TransactGetItems'
            ? (['Get'] as const)
            : (Object.keys(transactWriteActions) as (keyof typeof transactWriteActions)[]);
        const present = kinds.filter((k) => item[k] !== undefined);
        if (present.length !== 1) {
          throw invalid(`${op}: ${where} must hold exactly one of ${kinds.join(', ')}`);
        }
        const kind = present[0]!;
        const request = item[kind];
        if (!isRecord(request)) throw invalid(`${op}: ${where}.${kind} must be an object`);
        const action = kind === 'Get' ? 'dynamodb:GetItem' : transactWriteActions[kind];
        add(action, request.TableName, `${where}.member.${kind}.tableName`);
      });
      break;
    }
    default:
      add(`dynamodb:${op}`, input.TableName, 'tableName');
  }
  return { tables, permissions };
}

/** islet's own tables, as a backend. */
const embeddedBackend = {
  url: 'islet:embedded',
  region: '',
  accessKeyId: '',
  secretAccessKey: '',
} as Endpoint;

/**
 * Which backend serves a call's tables: the endpoint the services file gives them (a call with no
 * table, ListTables, goes to the default), else islet's own tables when it has them. Every table
 * of one call must be on the same backend.
 */
function dynamodbBackend(
  endpoints: ServiceEndpoints,
  tables: string[],
  op: string,
  embedded: boolean,
): Endpoint {
  const names = tables.length === 0 ? [''] : tables;
  let chosen: Endpoint | undefined;
  for (const name of names) {
    const e = endpoints.for('dynamodb', name) ?? (embedded ? embeddedBackend : undefined);
    if (!e) {
      throw new ServiceCallFailure(
        'ResourceNotFoundException',
        name === ''
          ? `no DynamoDB endpoint is configured for ${op} (islet's services file has no dynamodb.default)`
          : `no DynamoDB endpoint is configured for table '${name}' (add it to islet's services file)`,
      );
    }
    if (chosen && endpointKey(chosen) !== endpointKey(e)) {
      throw invalid(
        `${op}: tables '${tables[0]}' and '${name}' are served by different endpoints; one call reaches one endpoint`,
      );
    }
    chosen = e;
  }
  return chosen!;
}

/** DynamoDB as functions call it: low-level DynamoDB JSON in and out, run by the real SDK upstream. */
export function dynamodbService(deps: {
  endpoints: ServiceEndpoints;
  account: Account;
  /** islet's own tables: they serve every table the services file does not place elsewhere. */
  embedded?: EmbeddedTables;
}): Service & {
  close(): void;
} {
  const { endpoints, account } = deps;
  const clients = new EndpointClients((e) => new DynamoDBClient(clientSettings(e)));
  const service: Service = async (op, input, ctx) => {
    const Command = Object.hasOwn(commands, op) ? commands[op] : undefined;
    if (!Command) {
      throw new ServiceCallFailure(
        'UnknownOperationException',
        `islet's DynamoDB does not offer ${op.slice(0, 64)}; it offers ${Object.keys(commands).join(', ')}`,
      );
    }
    // DynamoDB allows 32 levels of nested maps and lists; each is two levels of JSON here.
    if (nestedDeeperThan(input, maxInputDepth)) {
      throw invalid('Nesting Levels have exceeded supported limits');
    }
    const access = dynamodbAccess(op, input, account);
    for (const p of access.permissions) ctx.authorize(p.action, p.resource);
    const endpoint = dynamodbBackend(endpoints, access.tables, op, deps.embedded !== undefined);
    if (endpoint === embeddedBackend && deps.embedded) return callEmbedded(deps.embedded, op, input);
    const client = clients.for(endpoint);
    const what =
      access.tables.length === 0
        ? 'the DynamoDB endpoint'
        : `the DynamoDB endpoint for table '${access.tables[0]}'`;
    const output = await sendUpstream(what, ctx.signal, () =>
      client.send(new Command(input), { abortSignal: ctx.signal }),
    );
    const { $metadata: _, ...rest } = output as unknown as Record<string, unknown>;
    return rest;
  };
  return Object.assign(service, { close: () => clients.close() });
}

/** A call on islet's own tables, in process: bytes cross as base64 text, errors keep DynamoDB's names. */
async function callEmbedded(
  tables: EmbeddedTables,
  op: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    return fromTableJson(await tables.call(op, toTableJson(input)));
  } catch (e) {
    if (!(e instanceof TableEngineError)) throw e;
    throw new ServiceCallFailure(e.code, e.message, e.status);
  }
}
