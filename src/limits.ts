/**
 * Every limit islet enforces, declared once, with units in the names. Values follow AWS Lambda's
 * published quotas unless a comment says otherwise.
 */
export const limits = {
  /** Function names: Lambda's pattern, at most 64 characters. */
  functionNamePattern: /^[A-Za-z0-9_-]{1,64}$/,
  /** MemorySize range in MB (Lambda today: 128 to 10240). */
  minMemoryMb: 128,
  maxMemoryMb: 10240,
  /** Timeout range in seconds; default 3 as in Lambda. */
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 900,
  defaultTimeoutSeconds: 3,
  defaultMemoryMb: 128,
  /** Synchronous invocation payload, request and response (6 MB). */
  maxSyncPayloadBytes: 6 * 1024 * 1024,
  /** Asynchronous (Event) invocation payload (1 MB). */
  maxAsyncPayloadBytes: 1024 * 1024,
  /** Deployment package, zipped (50 MB) and unzipped (250 MB). */
  maxZippedCodeBytes: 50 * 1024 * 1024,
  maxUnzippedCodeBytes: 250 * 1024 * 1024,
  /** Entries in one deployment package. */
  maxCodeEntries: 100_000,
  /** A CreateFunction/UpdateFunctionCode request body: base64 of 50 MB plus JSON (Lambda: 70,167,211 bytes). */
  maxCodeRequestBytes: 70_167_211,
  /** Control-plane request bodies other than code uploads. */
  maxControlRequestBytes: 256 * 1024,
  /** Environment variables, all keys and values together (4 KB). */
  maxEnvironmentBytes: 4 * 1024,
  /** Description length in characters. */
  maxDescriptionChars: 256,
  /** Bytes of log returned in X-Amz-Log-Result (the last 4 KB). */
  logTailBytes: 4 * 1024,
  /** Log bytes kept per invocation; the rest is dropped with a marker line. */
  maxLogBytesPerInvocation: 1024 * 1024,
  /** Page size of ListFunctions: default and maximum. */
  maxListItems: 10_000,
  defaultListItems: 50,
  /** Reserved concurrency must leave this many executions unreserved (Lambda: 100). */
  minUnreservedConcurrency: 100,
  /** Billing granularity in milliseconds (100 ms, as at launch). */
  billingGranularityMs: 100,
} as const;
