import type { Command } from 'commander';
import { type ApiOptions, apiJson } from './api';
import { endpointOption, printTable } from './http';

interface Triggers {
  FunctionName: string;
  BucketNotifications: Array<{
    Bucket: string;
    Id?: string;
    Events: string[];
    Prefix?: string;
    Suffix?: string;
  }>;
  ScheduleRules: Array<{ Name: string; ScheduleExpression?: string; State: string }>;
}

interface Mapping {
  UUID: string;
  EventSourceArn: string;
  State: string;
  BatchSize: number;
}

/** `islet triggers NAME`: everything that invokes a function: storage, streams, schedules. */
export function triggersCommand(program: Command): void {
  program
    .command('triggers')
    .argument('<name>', 'function name or ARN')
    .description('what invokes a function: bucket notifications, stream mappings, schedules')
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(async (name: string, o: ApiOptions) => {
      const t = await apiJson<Triggers>(o, 'GET', `/islet/functions/${encodeURIComponent(name)}/triggers`);
      const mappings = await apiJson<{ EventSourceMappings: Mapping[] }>(
        o,
        'GET',
        `/2015-03-31/event-source-mappings/?FunctionName=${encodeURIComponent(t.FunctionName)}&MaxItems=100`,
      );
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ ...t, EventSourceMappings: mappings.EventSourceMappings }, null, 2)}\n`,
        );
        return;
      }
      const rows: string[][] = [
        ...t.BucketNotifications.map((b) => [
          's3',
          `s3://${b.Bucket}/${b.Prefix ?? ''}*${b.Suffix ?? ''}`,
          b.Events.join(','),
        ]),
        ...mappings.EventSourceMappings.map((m) => [
          'stream',
          m.EventSourceArn,
          `${m.State}, batch ${m.BatchSize}`,
        ]),
        ...t.ScheduleRules.map((r) => ['schedule', r.Name, `${r.ScheduleExpression ?? ''} (${r.State})`]),
      ];
      if (rows.length === 0) {
        process.stdout.write(`nothing invokes ${t.FunctionName} but its callers\n`);
        return;
      }
      printTable(['KIND', 'SOURCE', 'DETAIL'], rows);
    });
}
