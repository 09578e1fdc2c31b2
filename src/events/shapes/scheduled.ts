/** EventBridge's "Scheduled Event", as a function invoked by a schedule receives it. */
export interface ScheduledEvent {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  /** ISO time of the tick, without milliseconds. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

/** Builds the event for one tick of a rule. */
export function buildScheduledEvent(input: {
  id: string;
  account: string;
  region: string;
  ruleArn: string;
  time: Date;
}): ScheduledEvent {
  return {
    version: '0',
    id: input.id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: input.account,
    time: input.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: input.region,
    resources: [input.ruleArn],
    detail: {},
  };
}

/** True when a value is a scheduled event. */
export function isScheduledEvent(value: unknown): value is ScheduledEvent {
  const v = value as Partial<ScheduledEvent> | null;
  return (
    typeof v === 'object' && v !== null && v['detail-type'] === 'Scheduled Event' && v.source === 'aws.events'
  );
}
