/**
 * islet's error classes. Each carries a stable Lambda error code and HTTP status; the server maps
 * them to Lambda's wire shape in exactly one place (server/on-error.ts).
 */

/** Base class: `code` is the Lambda exception name the AWS SDKs turn into an exception class. */
export class LambdaError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra response headers, e.g. Retry-After for throttles. */
  readonly headers: Record<string, string>;
  /** Extra top-level body fields, e.g. Reason for throttles. */
  readonly fields: Record<string, unknown>;

  constructor(
    code: string,
    status: number,
    message: string,
    extra: { headers?: Record<string, string>; fields?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.headers = extra.headers ?? {};
    this.fields = extra.fields ?? {};
  }
}

/** 400: a parameter is missing, malformed or out of range. */
export class InvalidParameterValueError extends LambdaError {
  constructor(message: string) {
    super('InvalidParameterValueException', 400, message);
  }
}

/** 400: the request body is not what the operation accepts (e.g. an Invoke payload that is not JSON). */
export class InvalidRequestContentError extends LambdaError {
  constructor(message: string) {
    super('InvalidRequestContentException', 400, message);
  }
}

/** 404: the function, alias, mapping or URL config does not exist. */
export class ResourceNotFoundError extends LambdaError {
  constructor(message: string) {
    super('ResourceNotFoundException', 404, message);
  }
}

/** 409: the resource already exists or is in a state that forbids the change. */
export class ResourceConflictError extends LambdaError {
  constructor(message: string) {
    super('ResourceConflictException', 409, message);
  }
}

/** 412: the RevisionId given does not match the current one. */
export class PreconditionFailedError extends LambdaError {
  constructor(message: string) {
    super('PreconditionFailedException', 412, message);
  }
}

/** 413: the request body is over the operation's limit. */
export class RequestTooLargeError extends LambdaError {
  constructor(message: string) {
    super('RequestTooLargeException', 413, message);
  }
}

/** 415: the request's content type is not accepted. */
export class UnsupportedMediaTypeError extends LambdaError {
  constructor(message: string) {
    super('UnsupportedMediaTypeException', 415, message);
  }
}

/** Why a request was throttled, as Lambda reports it in the `Reason` field. */
export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'FunctionInvocationRateLimitExceeded';

/** 429: the account or the function has no concurrency left. */
export class TooManyRequestsError extends LambdaError {
  constructor(message: string, reason: ThrottleReason, retryAfterSeconds = 1) {
    super('TooManyRequestsException', 429, message, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      fields: { Reason: reason, retryAfterSeconds: String(retryAfterSeconds) },
    });
  }
}

/** 500: an internal failure; the message carries only a reference id, never a host stack. */
export class ServiceError extends LambdaError {
  constructor(message: string) {
    super('ServiceException', 500, message);
  }
}

/** 400 with the code Lambda uses for a missing or wrong service operation. */
export class UnknownOperationError extends LambdaError {
  constructor(message: string) {
    super('UnknownOperationException', 400, message);
  }
}
