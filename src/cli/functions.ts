import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type ApiOptions, apiCall, apiJson } from './api';
import { packageCode } from './deploy';
import { endpointOption, fail, printTable } from './http';

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Handler: string;
  Role: string;
  MemorySize: number;
  Timeout: number;
  CodeSize: number;
  CodeSha256: string;
  LastModified: string;
  Description?: string;
  State?: string;
  Environment?: { Variables?: Record<string, string> };
}

const fnPath = (name: string) => `/2015-03-31/functions/${encodeURIComponent(name)}`;

const print = (opts: ApiOptions, value: unknown, human: () => void) => {
  if (opts.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human();
};

/** Parses repeated `--env KEY=VALUE` options. */
function envOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const i = value.indexOf('=');
  if (i <= 0) throw new Error(`--env takes KEY=VALUE, got '${value}'`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

const kb = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;

/** `islet deploy | invoke | list | get | delete`: functions through islet's Lambda API. */
export function functionCommands(program: Command): void {
  program
    .command('deploy')
    .argument('<path>', 'a folder (zipped with its node_modules) or a .zip file')
    .description('create the function, or update its code (and the settings given)')
    .requiredOption('--name <name>', 'function name')
    .option('--handler <handler>', 'file.export (new functions: index.handler)')
    .option('--runtime <runtime>', 'new functions: nodejs20.x')
    .option('--memory <mb>', 'MemorySize in MB')
    .option('--timeout <s>', 'Timeout in seconds')
    .option('--role <arn>', "execution role ARN (new functions: islet's default role)")
    .option('--description <text>', 'description')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable)', envOption)
    .option('--json', 'print the resulting configuration as JSON')
    .option(...endpointOption)
    .action(async (path: string, o: Record<string, any>) => {
      let pkg: ReturnType<typeof packageCode>;
      try {
        pkg = packageCode(path);
      } catch (e) {
        console.error(`islet: ${(e as Error).message}`);
        process.exit(2);
      }
      const say = (s: string) => !o.json && process.stderr.write(`${s}\n`);
      say(
        pkg.files
          ? `packaged ${pkg.files} files (${kb(pkg.sourceBytes)}) into ${kb(pkg.zip.length)}`
          : `using ${path} (${kb(pkg.zip.length)})`,
      );
      const settings = {
        ...(o.handler ? { Handler: o.handler } : {}),
        ...(o.memory ? { MemorySize: Number(o.memory) } : {}),
        ...(o.timeout ? { Timeout: Number(o.timeout) } : {}),
        ...(o.role ? { Role: o.role } : {}),
        ...(o.description !== undefined ? { Description: o.description } : {}),
        ...(o.env ? { Environment: { Variables: o.env } } : {}),
      };
      const exists = await apiCall(o, 'GET', fnPath(o.name));
      let result: FunctionConfiguration;
      const zipFile = Buffer.from(pkg.zip).toString('base64');
      if (exists.status === 404) {
        say(`creating ${o.name}…`);
        result = await apiJson<FunctionConfiguration>(o, 'POST', '/2015-03-31/functions', {
          FunctionName: o.name,
          Runtime: o.runtime ?? 'nodejs20.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/islet-default',
          ...settings,
          Code: { ZipFile: zipFile },
        });
      } else {
        if (!exists.ok) await fail(exists);
        say(`updating ${o.name}…`);
        result = await apiJson<FunctionConfiguration>(o, 'PUT', `${fnPath(o.name)}/code`, {
          ZipFile: zipFile,
        });
        if (Object.keys(settings).length || o.runtime) {
          result = await apiJson<FunctionConfiguration>(o, 'PUT', `${fnPath(o.name)}/configuration`, {
            ...settings,
            ...(o.runtime ? { Runtime: o.runtime } : {}),
          });
        }
      }
      print(o, result, () =>
        process.stdout.write(
          `${exists.status === 404 ? 'created' : 'updated'} ${result.FunctionArn} (code ${result.CodeSha256})\n`,
        ),
      );
    });

  program
    .command('invoke')
    .argument('<name>', 'function name or ARN')
    .description('invoke a function and print its result')
    .option('--payload <json>', 'the event as JSON text (default {})')
    .option('--file <path>', 'read the event from a file')
    .option('--async', 'queue the event (InvocationType Event) and print its request id')
    .option('--log', 'print the invocation log (last 4 KB) to stderr')
    .option(...endpointOption)
    .action(
      async (
        name: string,
        o: { payload?: string; file?: string; async?: boolean; log?: boolean; endpoint?: string },
      ) => {
        let payload = o.payload ?? '{}';
        if (o.file) {
          try {
            payload = readFileSync(o.file, 'utf8');
          } catch (e) {
            console.error(`islet: cannot read ${o.file}: ${(e as Error).message}`);
            process.exit(2);
          }
        }
        try {
          JSON.parse(payload);
        } catch (e) {
          console.error(`islet: the payload is not JSON: ${(e as Error).message}`);
          process.exit(2);
        }
        const res = await apiCall(o, 'POST', `${fnPath(name)}/invocations`, payload, {
          'content-type': 'application/json',
          'x-amz-invocation-type': o.async ? 'Event' : 'RequestResponse',
          ...(o.log && !o.async ? { 'x-amz-log-type': 'Tail' } : {}),
        });
        if (!res.ok) await fail(res);
        if (o.async) {
          process.stdout.write(`queued ${res.headers.get('x-amzn-requestid') ?? ''}\n`);
          return;
        }
        const logTail = res.headers.get('x-amz-log-result');
        if (logTail) process.stderr.write(Buffer.from(logTail, 'base64').toString('utf8'));
        const text = await res.text();
        let out = text;
        try {
          out = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // not JSON: print as is
        }
        process.stdout.write(`${out}\n`);
        if (res.headers.get('x-amz-function-error')) process.exit(1);
      },
    );

  program
    .command('list')
    .description('list functions')
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(async (o: ApiOptions) => {
      const all: FunctionConfiguration[] = [];
      let marker = '';
      do {
        const page = await apiJson<{ Functions: FunctionConfiguration[]; NextMarker?: string }>(
          o,
          'GET',
          `/2015-03-31/functions/?MaxItems=1000${marker ? `&Marker=${encodeURIComponent(marker)}` : ''}`,
        );
        all.push(...page.Functions);
        marker = page.NextMarker ?? '';
      } while (marker);
      print(o, all, () => {
        if (all.length === 0) return void process.stdout.write('no functions\n');
        printTable(
          ['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CODE', 'LAST MODIFIED'],
          all.map((f) => [
            f.FunctionName,
            f.Runtime,
            `${f.MemorySize} MB`,
            `${f.Timeout} s`,
            kb(f.CodeSize),
            f.LastModified,
          ]),
        );
      });
    });

  program
    .command('get')
    .argument('<name>', 'function name or ARN')
    .description("show a function's configuration")
    .option('--json', 'print JSON for scripts')
    .option(...endpointOption)
    .action(async (name: string, o: ApiOptions) => {
      const f = await apiJson<FunctionConfiguration>(o, 'GET', `${fnPath(name)}/configuration`);
      print(o, f, () => {
        const rows: string[][] = [
          ['name', f.FunctionName],
          ['arn', f.FunctionArn],
          ['runtime', f.Runtime],
          ['handler', f.Handler],
          ['role', f.Role],
          ['memory', `${f.MemorySize} MB`],
          ['timeout', `${f.Timeout} s`],
          ['code', `${kb(f.CodeSize)} sha256 ${f.CodeSha256}`],
          ['last modified', f.LastModified],
          ...(f.Description ? [['description', f.Description]] : []),
          ...Object.entries(f.Environment?.Variables ?? {}).map(([k, v]) => [`env ${k}`, v]),
        ];
        printTable(['SETTING', 'VALUE'], rows);
      });
    });

  program
    .command('delete')
    .argument('<name>', 'function name or ARN')
    .description('delete a function')
    .option(...endpointOption)
    .action(async (name: string, o: ApiOptions) => {
      const res = await apiCall(o, 'DELETE', fnPath(name));
      if (!res.ok) await fail(res);
      process.stdout.write(`deleted ${name}\n`);
    });
}
