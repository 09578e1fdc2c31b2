/** Legacy numeric codes of the DOMException names that fetch and abort signals use. */
const legacyCodes: Readonly<Record<string, number>> = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  InvalidCharacterError: 5,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  DataCloneError: 25,
};

/** The Web IDL DOMException: what AbortSignal rejects with (AbortError, TimeoutError). */
export class DOMException extends Error {
  readonly code: number;

  constructor(message = '', options: string | { name?: string; cause?: unknown } = 'Error') {
    const opts = typeof options === 'object' && options !== null ? options : { name: options };
    super(String(message), 'cause' in opts ? { cause: opts.cause } : undefined);
    Object.defineProperty(this, 'name', {
      value: opts.name === undefined ? 'Error' : String(opts.name),
      writable: true,
      configurable: true,
      enumerable: false,
    });
    this.code = legacyCodes[this.name] ?? 0;
  }

  get [Symbol.toStringTag](): string {
    return 'DOMException';
  }

  static readonly ABORT_ERR = 20;
  static readonly TIMEOUT_ERR = 23;
  static readonly NOT_SUPPORTED_ERR = 9;
  static readonly SYNTAX_ERR = 12;
  static readonly INVALID_STATE_ERR = 11;
}
