import { type CallContext, ServiceCallFailure } from './host';

/**
 * For the services' unit tests: a call context that records every authorisation asked for in
 * `asked`, and refuses them all (AccessDeniedException) when `deny` is set.
 */
export const recordingContext = (deny: boolean, asked: string[]): CallContext => ({
  caller: { functionName: 'fn', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn' },
  signal: AbortSignal.timeout(10_000),
  authorize(action, resource) {
    asked.push(`${action} ${resource}`);
    if (deny) throw new ServiceCallFailure('AccessDeniedException', 'denied', 403);
  },
});

/** The failure a promise rejects with; throws when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<ServiceCallFailure> {
  try {
    await p;
  } catch (e) {
    return e as ServiceCallFailure;
  }
  throw new Error('expected a rejection');
}
