import { send, sendJson } from './api';

/** A sample event islet ships (src/events/samples.ts). */
export interface SampleEvent {
  name: string;
  description: string;
  event: unknown;
}

/** The sample events: S3 put, Kinesis, DynamoDB update, HTTP request, scheduled... */
export async function sampleEvents(): Promise<SampleEvent[]> {
  return (await sendJson<{ Samples: SampleEvent[] }>('lambda', { path: '/islet/samples' })).Samples;
}

/** What invokes a function besides callers: bucket notifications and schedule rules. */
export interface FunctionTriggers {
  BucketNotifications: Array<{
    Bucket: string;
    Id: string;
    Events: string[];
    Prefix?: string;
    Suffix?: string;
  }>;
  ScheduleRules: Array<{
    Name: string;
    Arn: string;
    ScheduleExpression: string;
    State: string;
    TargetId: string;
  }>;
}

export function functionTriggers(name: string) {
  return sendJson<FunctionTriggers>('lambda', {
    path: `/islet/functions/${encodeURIComponent(name)}/triggers`,
  });
}

/** A failed asynchronous event that had no on-failure destination. */
export interface DeadLetter {
  EventId: string;
  FunctionName: string;
  EnqueuedAt: string;
  ApproximateInvokeCount: number;
  Record?: unknown;
}

export function listDeadLetters(functionName?: string, marker?: string) {
  return sendJson<{ DeadLetters: DeadLetter[]; NextMarker: string | null }>('lambda', {
    path: '/islet/dead-letters',
    query: { FunctionName: functionName || undefined, Marker: marker, MaxItems: 100 },
  });
}

export async function redriveDeadLetter(id: string): Promise<void> {
  await send('lambda', { method: 'POST', path: `/islet/dead-letters/${encodeURIComponent(id)}/redrive` });
}

export async function deleteDeadLetter(id: string): Promise<void> {
  await send('lambda', { method: 'DELETE', path: `/islet/dead-letters/${encodeURIComponent(id)}` });
}

/** One ledger line: a function's usage and cost on one day. */
export interface BillingLine {
  date: string;
  functionName: string;
  requests: number;
  billedMs: number;
  gbSeconds: number;
  cpuMs: number;
  requestCost: number;
  computeCost: number;
  cost: number;
}

export interface Billing {
  from: string;
  to: string;
  currency: string;
  lines: BillingLine[];
  totals: {
    requests: number;
    billedDurationMs: number;
    gbSeconds: number;
    cpuTimeMs: number;
    grossCost: number;
    cost: number;
  };
}

/** The billing ledger for [from, to] (YYYY-MM-DD, both included). */
export function billing(from: string, to: string) {
  return sendJson<Billing>('lambda', { path: '/islet/billing', query: { from, to } });
}

/** The same ledger as CSV text. */
export async function billingCsv(from: string, to: string): Promise<string> {
  return (await send('lambda', { path: '/islet/billing', query: { from, to, format: 'csv' } })).text();
}
