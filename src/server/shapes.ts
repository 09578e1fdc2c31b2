import type { FunctionRecord, FunctionUrlRecord } from '../store/function-store';

/** FunctionConfiguration as the Lambda API returns it. */
export function functionConfiguration(r: FunctionRecord, arn: string): Record<string, unknown> {
  return {
    FunctionName: r.name,
    FunctionArn: arn,
    Runtime: r.runtime,
    Role: r.role,
    Handler: r.handler,
    CodeSize: r.codeSize,
    Description: r.description,
    Timeout: r.timeoutSeconds,
    MemorySize: r.memoryMb,
    LastModified: r.lastModified,
    CodeSha256: Buffer.from(r.codeSha256Hex, 'hex').toString('base64'),
    Version: '$LATEST',
    Environment: { Variables: r.environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: r.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: r.architectures,
    EphemeralStorage: { Size: r.ephemeralStorageMb },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${r.name}` },
  };
}

/** FunctionUrlConfig as Create/Get/UpdateFunctionUrlConfig return it. */
export function functionUrlConfig(
  url: FunctionUrlRecord,
  functionUrl: string,
  arn: string,
): Record<string, unknown> {
  return {
    FunctionUrl: functionUrl,
    FunctionArn: arn,
    AuthType: url.authType,
    Cors: url.cors,
    CreationTime: url.creationTime,
    LastModifiedTime: url.lastModifiedTime,
    InvokeMode: url.invokeMode,
  };
}
