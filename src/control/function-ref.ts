import { InvalidParameterValueError, ResourceNotFoundError } from '../errors';

/** A function named in a request path: plain name, partial ARN or full ARN, with an optional qualifier. */
export interface FunctionRef {
  name: string;
  qualifier?: string;
}

/** A function ARN as destinations and targets name it (unqualified or $LATEST); group 1 is the name. */
export const functionArnPattern =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9_-]{1,64})(?::\$LATEST)?$/;

const arnPattern =
  /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/** Parses the FunctionName path parameter the way Lambda accepts it. */
export function parseFunctionRef(raw: string, qualifierParam?: string | null): FunctionRef {
  const m = arnPattern.exec(raw);
  if (!m || m[1].length > 64) {
    throw new InvalidParameterValueError(
      `1 validation error detected: Value '${raw.slice(0, 140)}' at 'functionName' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
    );
  }
  const qualifier = m[2] ?? (qualifierParam || undefined);
  if (m[2] && qualifierParam && m[2] !== qualifierParam) {
    throw new InvalidParameterValueError(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  return { name: m[1], qualifier };
}

/** islet keeps $LATEST only: any other qualifier names a version or alias that does not exist. */
export function requireLatest(ref: FunctionRef, arn: string): void {
  if (ref.qualifier !== undefined && ref.qualifier !== '$LATEST') {
    throw new ResourceNotFoundError(`Function not found: ${arn}:${ref.qualifier}`);
  }
}

/** The function name of a path parameter that must refer to $LATEST (the only version islet keeps). */
export function latestFunctionName(
  raw: string,
  qualifier: string | null | undefined,
  arnOf: (name: string) => string,
): string {
  const ref = parseFunctionRef(raw, qualifier);
  requireLatest(ref, arnOf(ref.name));
  return ref.name;
}
