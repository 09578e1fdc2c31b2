import { InvalidParameterValueError } from '../errors';
import { limits } from '../limits';

/** Validation of control-plane input, with Lambda's messages where Lambda has one. */

const rolePattern = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const runtimePattern = /^nodejs(\d+(\.\d+)?(\.x)?)?$/;
const handlerPattern = /^[^\s]{1,128}$/;
const envKeyPattern = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
/** Variables Lambda sets itself and refuses to let users override. */
const reservedEnvKeys = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

function fail(message: string): never {
  throw new InvalidParameterValueError(message);
}

/** A function name as CreateFunction takes it. */
export function functionName(value: unknown): string {
  if (typeof value !== 'string' || value === '') fail('FunctionName is required');
  if (!limits.functionNamePattern.test(value)) {
    fail(
      `1 validation error detected: Value '${value.slice(0, 140)}' at 'functionName' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: [a-zA-Z0-9-_]{1,64}`,
    );
  }
  return value;
}

export function role(value: unknown): string {
  if (typeof value !== 'string' || value === '') fail('Role is required');
  if (!rolePattern.test(value)) {
    fail(
      `The role defined for the function cannot be assumed by Lambda: '${value.slice(0, 200)}' is not a valid role ARN.`,
    );
  }
  return value;
}

export function runtime(value: unknown): string {
  if (value === undefined || value === null || value === '') {
    fail('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (typeof value !== 'string' || !runtimePattern.test(value)) {
    fail(
      `Value ${String(value).slice(0, 60)} at 'runtime' failed to satisfy constraint: islet runs Node.js functions only (nodejs, nodejs20.x, nodejs22.x, nodejs24.x, ...)`,
    );
  }
  return value;
}

export function handler(value: unknown): string {
  if (value === undefined || value === null || value === '') {
    fail('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  }
  if (typeof value !== 'string' || !handlerPattern.test(value)) {
    fail(
      `Value '${String(value).slice(0, 140)}' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+ and have length <= 128`,
    );
  }
  return value;
}

function integerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(
      `'${String(value).slice(0, 40)}' at '${name}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`,
    );
  }
  return value;
}

export function memorySize(value: unknown): number {
  return integerIn(value, 'memorySize', limits.minMemoryMb, limits.maxMemoryMb);
}

export function timeout(value: unknown): number {
  return integerIn(value, 'timeout', limits.minTimeoutSeconds, limits.maxTimeoutSeconds);
}

/** EphemeralStorage {Size} in MB, 512-10240, with the messages of Lambda's request validation. */
export function ephemeralStorage(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('EphemeralStorage must be an object with a Size in MB between 512 and 10240');
  }
  const size = (value as { Size?: unknown }).Size;
  const problem = (constraint: string, shown: string) =>
    fail(
      `1 validation error detected: Value ${shown} at 'ephemeralStorage.size' failed to satisfy constraint: ${constraint}`,
    );
  if (size === undefined || size === null) problem('Member must not be null', 'null');
  if (typeof size === 'number' && Number.isInteger(size)) {
    if (size < 512) problem('Member must have value greater than or equal to 512', `'${size}'`);
    if (size > 10240) problem('Member must have value less than or equal to 10240', `'${size}'`);
    return size;
  }
  return integerIn(size, 'ephemeralStorage.size', 512, 10240);
}

export function description(value: unknown): string {
  if (typeof value !== 'string') fail('Description must be a string');
  if (value.length > limits.maxDescriptionChars) {
    fail(
      `'Description' failed to satisfy constraint: Member must have length less than or equal to ${limits.maxDescriptionChars}`,
    );
  }
  return value;
}

export function architectures(value: unknown): string[] {
  if (!Array.isArray(value) || value.length !== 1 || !['x86_64', 'arm64'].includes(value[0])) {
    fail("'architectures' failed to satisfy constraint: Member must have exactly one of x86_64, arm64");
  }
  return value as string[];
}

/** Environment.Variables: string values, valid keys, no reserved keys, 4 KB in total. */
export function environment(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail('Environment must be an object with Variables');
  const vars = (value as { Variables?: unknown }).Variables;
  if (vars === undefined || vars === null) return {};
  if (typeof vars !== 'object' || Array.isArray(vars)) fail('Environment.Variables must be a map of strings');
  const out: Record<string, string> = {};
  let bytes = 0;
  const reserved: string[] = [];
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) {
    if (!envKeyPattern.test(k))
      fail(`Environment variable key '${k.slice(0, 100)}' is invalid: it must match [a-zA-Z]([a-zA-Z0-9_])+`);
    if (typeof v !== 'string') fail(`Environment variable '${k}' must have a string value`);
    if (reservedEnvKeys.has(k)) reserved.push(k);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    out[k] = v;
  }
  if (reserved.length) {
    fail(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        `contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  if (bytes > limits.maxEnvironmentBytes) {
    fail(
      'Lambda was unable to configure your environment variables because the environment variables you have provided ' +
        `exceeded the 4KB limit. String measured: ${bytes} bytes`,
    );
  }
  return out;
}

/** The zip of Code/UpdateFunctionCode: base64 ZipFile only (S3 locations need the storage backend). */
export function zipFile(code: unknown, field = 'Code'): Buffer {
  if (code === undefined || code === null || typeof code !== 'object') fail(`${field} is required`);
  const c = code as Record<string, unknown>;
  if (c.S3Bucket !== undefined || c.S3Key !== undefined || c.ImageUri !== undefined) {
    fail('islet accepts code as ZipFile (base64) only; S3 and image code locations are not supported');
  }
  if (typeof c.ZipFile !== 'string' || c.ZipFile === '') fail(`${field}.ZipFile is required`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(c.ZipFile) || c.ZipFile.length % 4 !== 0)
    fail(`${field}.ZipFile is not valid base64`);
  const zip = Buffer.from(c.ZipFile, 'base64');
  if (zip.length > limits.maxZippedCodeBytes) {
    fail(
      `Unzipped size must be smaller than ${limits.maxUnzippedCodeBytes} bytes and zipped size smaller than ${limits.maxZippedCodeBytes} bytes`,
    );
  }
  return zip;
}

/** MaximumRetryAttempts of asynchronous invocation: 0 to 2. */
export function retryAttempts(value: unknown): number {
  return integerIn(value, 'maximumRetryAttempts', 0, 2);
}

/** MaximumEventAgeInSeconds of asynchronous invocation: 60 to 21600. */
export function eventAge(value: unknown): number {
  return integerIn(value, 'maximumEventAgeInSeconds', 60, 21600);
}
