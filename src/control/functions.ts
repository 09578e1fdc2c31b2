import { createHash, randomUUID } from 'node:crypto';
import { type Account, functionArn } from '../arns';
import {
  InvalidParameterValueError,
  PreconditionFailedError,
  ResourceConflictError,
  ResourceNotFoundError,
} from '../errors';
import type { AsyncSettings } from '../events/async-queue';
import { limits } from '../limits';
import type { Admission } from '../runtime/admission';
import type { FunctionSpec } from '../runtime/invocation';
import type { CodeStore } from '../store/code-store';
import { taskRoot } from '../store/code-tree';
import type {
  EventInvokeConfigRecord,
  FunctionRecord,
  FunctionStore,
  FunctionUrlRecord,
} from '../store/function-store';
import { functionArnPattern } from './function-ref';
import { maxItemsOf, pageAfter } from './paging';
import { addStatement, type PolicyStatement, policyDocument, removeStatement, statementFrom } from './policy';
import * as v from './validate';

/** Where islet says its functions live (region and account appear in every ARN). */
export type AccountInfo = Account;

/** A function ready to invoke: its record and the spec executors build environments from. */
export interface DeployedFunction {
  record: FunctionRecord;
  spec: FunctionSpec;
}

/** Lambda's LastModified format: 2024-01-01T00:00:00.000+0000. */
function lastModifiedNow(): string {
  return new Date().toISOString().replace('Z', '+0000');
}

/** Something to tell when a function changes: executors drop its warm environments. */
export type RetireHook = (functionName: string) => void;

/**
 * The control plane for functions: create, read, update, delete, concurrency and URL settings.
 * Validates input, keeps the store and the code store consistent, and caches the invocation spec
 * of each function so the hot path reads no disk.
 */
export class Functions {
  private readonly cache = new Map<string, DeployedFunction>();

  constructor(
    private readonly store: FunctionStore,
    private readonly code: CodeStore,
    private readonly admission: Admission,
    private readonly account: AccountInfo,
    private readonly retire: RetireHook,
  ) {
    for (let marker = ''; ; ) {
      const page = store.list(marker, 1000);
      for (const r of page)
        if (r.reservedConcurrency !== undefined) admission.setReserved(r.name, r.reservedConcurrency);
      if (page.length < 1000) break;
      marker = page[page.length - 1].name;
    }
  }

  arn(name: string): string {
    return functionArn(this.account, name);
  }

  /** The function, or ResourceNotFoundException. */
  get(name: string): FunctionRecord {
    return this.deployed(name).record;
  }

  /** The function with its invocation spec (cached). */
  deployed(name: string): DeployedFunction {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const record = this.store.get(name);
    if (!record) throw new ResourceNotFoundError(`Function not found: ${this.arn(name)}`);
    const d = { record, spec: this.specOf(record) };
    this.cache.set(name, d);
    return d;
  }

  list(
    marker: string | undefined,
    maxItems: string | undefined,
  ): { functions: FunctionRecord[]; nextMarker?: string } {
    const max = maxItemsOf(
      maxItems,
      limits.defaultListItems,
      limits.maxListItems,
      (m) => new InvalidParameterValueError(m),
    );
    const page = pageAfter(
      (after, limit) => this.store.list(after, limit),
      marker ?? '',
      max,
      (r) => r.name,
    );
    return { functions: page.items, nextMarker: page.nextMarker };
  }

  /** CreateFunction. */
  async create(input: Record<string, unknown>): Promise<FunctionRecord> {
    const name = v.functionName(input.FunctionName);
    const record: Omit<FunctionRecord, 'codeSha256Hex' | 'codeSize'> = {
      name,
      role: v.role(input.Role),
      runtime: v.runtime(input.Runtime),
      handler: v.handler(input.Handler),
      description: input.Description === undefined ? '' : v.description(input.Description),
      memoryMb: input.MemorySize === undefined ? limits.defaultMemoryMb : v.memorySize(input.MemorySize),
      timeoutSeconds: input.Timeout === undefined ? limits.defaultTimeoutSeconds : v.timeout(input.Timeout),
      environment: v.environment(input.Environment),
      ephemeralStorageMb:
        input.EphemeralStorage === undefined ? 512 : v.ephemeralStorage(input.EphemeralStorage),
      architectures: input.Architectures === undefined ? ['x86_64'] : v.architectures(input.Architectures),
      lastModified: lastModifiedNow(),
      revisionId: randomUUID(),
    };
    if (input.PackageType !== undefined && input.PackageType !== 'Zip') {
      throw new InvalidParameterValueError('islet supports PackageType Zip only');
    }
    const zip = v.zipFile(input.Code);
    if (this.store.get(name)) throw new ResourceConflictError(`Function already exist: ${name}`);
    const stored = await this.code.put(zip);
    const full: FunctionRecord = { ...record, codeSha256Hex: stored.sha256Hex, codeSize: stored.size };
    if (!this.store.insert(full)) throw new ResourceConflictError(`Function already exist: ${name}`);
    this.cache.delete(name);
    return full;
  }

  /** UpdateFunctionCode. */
  async updateCode(name: string, input: Record<string, unknown>): Promise<FunctionRecord> {
    const current = this.get(name);
    this.checkRevision(current, input.RevisionId);
    const zip = v.zipFile(input, 'ZipFile' in input ? 'Code' : 'Code');
    const stored = await this.code.put(zip);
    return this.commit(current, { codeSha256Hex: stored.sha256Hex, codeSize: stored.size });
  }

  /** UpdateFunctionConfiguration. */
  updateConfiguration(name: string, input: Record<string, unknown>): FunctionRecord {
    const current = this.get(name);
    this.checkRevision(current, input.RevisionId);
    const changes: Partial<FunctionRecord> = {};
    if (input.Role !== undefined) changes.role = v.role(input.Role);
    if (input.Handler !== undefined) changes.handler = v.handler(input.Handler);
    if (input.Runtime !== undefined) changes.runtime = v.runtime(input.Runtime);
    if (input.Description !== undefined) changes.description = v.description(input.Description);
    if (input.MemorySize !== undefined) changes.memoryMb = v.memorySize(input.MemorySize);
    if (input.Timeout !== undefined) changes.timeoutSeconds = v.timeout(input.Timeout);
    if (input.Environment !== undefined) changes.environment = v.environment(input.Environment);
    if (input.EphemeralStorage !== undefined)
      changes.ephemeralStorageMb = v.ephemeralStorage(input.EphemeralStorage);
    return this.commit(current, changes);
  }

  /** DeleteFunction. */
  delete(name: string): void {
    this.get(name);
    this.store.delete(name);
    this.cache.delete(name);
    this.admission.setReserved(name, undefined);
    this.retire(name);
  }

  /** PutFunctionConcurrency: keeps at least the minimum unreserved concurrency for everyone else. */
  putConcurrency(name: string, value: unknown): number {
    const current = this.get(name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new InvalidParameterValueError('ReservedConcurrentExecutions must be a non-negative integer');
    }
    const minUnreserved = Math.min(
      limits.minUnreservedConcurrency,
      Math.floor(this.admission.accountLimit / 10),
    );
    const available = this.admission.accountLimit - this.admission.reservedExcept(name) - minUnreserved;
    if (value > available) {
      throw new InvalidParameterValueError(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minUnreserved}].`,
      );
    }
    this.commit(current, { reservedConcurrency: value }, false);
    this.admission.setReserved(name, value);
    return value;
  }

  deleteConcurrency(name: string): void {
    const current = this.get(name);
    this.commit(current, { reservedConcurrency: undefined }, false);
    this.admission.setReserved(name, undefined);
  }

  /** Put (replace) or Update (merge) of the function's asynchronous invocation settings. */
  putEventInvokeConfig(
    name: string,
    input: Record<string, unknown>,
    merge: boolean,
  ): EventInvokeConfigRecord {
    const current = this.get(name);
    const base = merge ? (current.eventInvokeConfig ?? { lastModified: 0 }) : { lastModified: 0 };
    const next: EventInvokeConfigRecord = { ...base, lastModified: Date.now() / 1000 };
    if (input.MaximumRetryAttempts !== undefined)
      next.maximumRetryAttempts = v.retryAttempts(input.MaximumRetryAttempts);
    if (input.MaximumEventAgeInSeconds !== undefined) {
      next.maximumEventAgeInSeconds = v.eventAge(input.MaximumEventAgeInSeconds);
    }
    if (input.DestinationConfig !== undefined) {
      const d = (input.DestinationConfig ?? {}) as {
        OnSuccess?: { Destination?: unknown };
        OnFailure?: { Destination?: unknown };
      };
      if (typeof d !== 'object') throw new InvalidParameterValueError('DestinationConfig must be an object');
      if (d.OnSuccess !== undefined) next.onSuccess = this.destination(d.OnSuccess?.Destination);
      if (d.OnFailure !== undefined) next.onFailure = this.destination(d.OnFailure?.Destination);
    }
    this.commit(current, { eventInvokeConfig: next }, false);
    return next;
  }

  /** The function's asynchronous invocation settings, or ResourceNotFoundException. */
  getEventInvokeConfig(name: string): EventInvokeConfigRecord {
    const config = this.get(name).eventInvokeConfig;
    if (!config)
      throw new ResourceNotFoundError(`The function ${this.arn(name)} doesn't have an EventInvokeConfig`);
    return config;
  }

  deleteEventInvokeConfig(name: string): void {
    const current = this.get(name);
    this.getEventInvokeConfig(name);
    this.commit(current, { eventInvokeConfig: undefined }, false);
  }

  /** Settings the async queue applies, with AWS defaults; undefined when the function is gone. */
  asyncSettings(name: string): AsyncSettings | undefined {
    const record = this.store.get(name);
    if (!record) return undefined;
    const c = record.eventInvokeConfig;
    return {
      functionArn: this.arn(name),
      maximumRetryAttempts: c?.maximumRetryAttempts ?? 2,
      maximumEventAgeInSeconds: c?.maximumEventAgeInSeconds ?? 21600,
      onSuccess: c?.onSuccess,
      onFailure: c?.onFailure,
    };
  }

  /** The existing function a destination ARN names, or undefined. */
  destinationFunction(arn: string): string | undefined {
    const m = functionArnPattern.exec(arn);
    return m && this.store.get(m[1]) ? m[1] : undefined;
  }

  private destination(value: unknown): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !functionArnPattern.test(value)) {
      throw new InvalidParameterValueError(
        `The destination ARN ${String(value).slice(0, 200)} is invalid: islet delivers to Lambda function ARNs; failed events without one go to islet's dead-letter list`,
      );
    }
    return value;
  }

  /** AddPermission: returns the statement added. */
  addPermission(name: string, input: Record<string, unknown>): PolicyStatement {
    const current = this.get(name);
    this.checkRevision(current, input.RevisionId);
    const statement = statementFrom(input, this.arn(name));
    this.commit(current, { policy: addStatement(current.policy, statement) }, false);
    return statement;
  }

  /** RemovePermission. */
  removePermission(name: string, sid: string, revisionId?: string): void {
    const current = this.get(name);
    this.checkRevision(current, revisionId);
    const policy = removeStatement(current.policy, sid);
    this.commit(current, { policy: policy.length ? policy : undefined }, false);
  }

  /** GetPolicy: the policy document and the function's revision. */
  getPolicy(name: string): { policy: string; revisionId: string } {
    const record = this.get(name);
    if (!record.policy?.length) throw new ResourceNotFoundError('The resource you requested does not exist.');
    return { policy: policyDocument(record.policy), revisionId: record.revisionId };
  }

  /** Create/Update/Delete of the function URL config. */
  setUrl(name: string, url: FunctionUrlRecord | undefined): FunctionRecord {
    return this.commit(this.get(name), { url }, false);
  }

  private checkRevision(current: FunctionRecord, revision: unknown): void {
    if (revision !== undefined && revision !== current.revisionId) {
      throw new PreconditionFailedError(
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
  }

  /** Writes a change as a new revision; `retire` drops warm environments built from the old one. */
  private commit(
    current: FunctionRecord,
    changes: Partial<FunctionRecord>,
    codeOrConfig = true,
  ): FunctionRecord {
    const next: FunctionRecord = { ...current, ...changes, revisionId: randomUUID() };
    if (codeOrConfig) next.lastModified = lastModifiedNow();
    if (!this.store.replace(next, current.revisionId)) {
      throw new ResourceConflictError(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(current.name)}`,
      );
    }
    this.cache.delete(current.name);
    if (codeOrConfig) this.retire(current.name);
    return next;
  }

  private specOf(r: FunctionRecord): FunctionSpec {
    const arn = this.arn(r.name);
    return {
      // Only what shapes an environment: a policy or URL change keeps warm environments warm.
      key: `${arn}#${createHash('sha256')
        .update(
          JSON.stringify([
            r.codeSha256Hex,
            r.handler,
            r.runtime,
            r.memoryMb,
            r.timeoutSeconds,
            r.environment,
            r.lastModified,
            r.ephemeralStorageMb,
          ]),
        )
        .digest('hex')
        .slice(0, 24)}`,
      functionName: r.name,
      functionArn: arn,
      version: '$LATEST',
      handler: r.handler,
      memoryMb: r.memoryMb,
      timeoutSeconds: r.timeoutSeconds,
      ephemeralStorageMb: r.ephemeralStorageMb ?? 512,
      codeDir: this.code.dirFor(r.codeSha256Hex),
      environment: {
        ...r.environment,
        AWS_REGION: this.account.region,
        AWS_DEFAULT_REGION: this.account.region,
        AWS_EXECUTION_ENV: `AWS_Lambda_${r.runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: r.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(r.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${r.name}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        _HANDLER: r.handler,
        LAMBDA_TASK_ROOT: taskRoot,
        LAMBDA_RUNTIME_DIR: '/var/runtime',
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        NODE_PATH: '/opt/nodejs/node_modules:/var/runtime/node_modules:/var/task',
      },
    };
  }
}
