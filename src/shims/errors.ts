/** Error payloads in Lambda's shape: {errorType, errorMessage, trace}. */
export interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** Converts anything thrown or passed to callback(err) into Lambda's error payload. */
export function toErrorPayload(err: unknown, fallbackType = 'Error'): ErrorPayload {
  if (err instanceof Error) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    return {
      errorType: err.name && err.name !== 'Error' ? err.name : (err.constructor?.name ?? fallbackType),
      errorMessage: String(err.message),
      trace: stack,
    };
  }
  if (typeof err === 'object' && err !== null) {
    // Lambda sends plain objects passed to callback(err) as their JSON.
    let text: string;
    try {
      text = JSON.stringify(err);
    } catch {
      text = String(err);
    }
    return { errorType: fallbackType, errorMessage: text, trace: [] };
  }
  return { errorType: fallbackType, errorMessage: String(err), trace: [] };
}

/** An error with a Lambda runtime error type such as Runtime.HandlerNotFound. */
export function runtimeError(type: string, message: string): Error {
  const e = new Error(message);
  e.name = type;
  return e;
}
