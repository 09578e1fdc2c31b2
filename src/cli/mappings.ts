import type { Command } from 'commander';
import { type ApiOptions, apiJson } from './api';
import { endpointOption, printTable } from './http';

interface Mapping {
  UUID: string;
  FunctionArn: string;
  EventSourceArn: string;
  State: string;
  BatchSize: number;
  StartingPosition?: string;
  LastModified?: number | string;
}

const functionName = (arn: string) => arn.slice(arn.lastIndexOf(':function:') + 10).split(':')[0] ?? arn;

/** `islet mappings list|create|delete`: event source mappings (Kinesis streams) through the Lambda API. */
export function mappingCommands(program: Command): void {
  const m = program.command('mappings').description('event source mappings: streams that invoke functions');
  m.command('list')
    .description('list mappings')
    .option('--function <name>', 'only this function')
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(async (o: ApiOptions & { function?: string }) => {
      const all: Mapping[] = [];
      let marker = '';
      do {
        const q = new URLSearchParams({ MaxItems: '100' });
        if (o.function) q.set('FunctionName', o.function);
        if (marker) q.set('Marker', marker);
        const page = await apiJson<{ EventSourceMappings: Mapping[]; NextMarker?: string }>(
          o,
          'GET',
          `/2015-03-31/event-source-mappings/?${q}`,
        );
        all.push(...page.EventSourceMappings);
        marker = page.NextMarker ?? '';
      } while (marker);
      if (o.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      if (all.length === 0) return void process.stdout.write('no event source mappings\n');
      printTable(
        ['UUID', 'FUNCTION', 'SOURCE', 'STATE', 'BATCH'],
        all.map((x) => [x.UUID, functionName(x.FunctionArn), x.EventSourceArn, x.State, String(x.BatchSize)]),
      );
    });
  m.command('create')
    .description('make a stream invoke a function')
    .requiredOption('--function <name>', 'function to invoke')
    .requiredOption('--source <arn>', 'stream ARN, e.g. arn:aws:kinesis:us-east-1:000000000000:stream/orders')
    .option('--starting-position <pos>', 'LATEST or TRIM_HORIZON', 'LATEST')
    .option('--batch-size <n>', 'records per invocation (default 100)')
    .option('--disabled', 'create it disabled')
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(async (o: ApiOptions & Record<string, string | boolean | undefined>) => {
      const created = await apiJson<Mapping>(o, 'POST', '/2015-03-31/event-source-mappings/', {
        FunctionName: o.function,
        EventSourceArn: o.source,
        StartingPosition: o.startingPosition,
        ...(o.batchSize ? { BatchSize: Number(o.batchSize) } : {}),
        ...(o.disabled ? { Enabled: false } : {}),
      });
      if (o.json) return void process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
      process.stdout.write(`created ${created.UUID} (${created.State})\n`);
    });
  m.command('delete')
    .argument('<uuid>', 'the mapping')
    .description('delete a mapping')
    .option(...endpointOption)
    .action(async (uuid: string, o: ApiOptions) => {
      await apiJson<Mapping>(o, 'DELETE', `/2015-03-31/event-source-mappings/${encodeURIComponent(uuid)}`);
      process.stdout.write(`deleted ${uuid}\n`);
    });
}
