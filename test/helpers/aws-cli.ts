import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

/** The AWS CLI v2 (Debian package `awscli`, installed by .ci/run). */
const aws = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
const run = promisify(execFile);

/**
 * Runs `aws ARGS --endpoint-url URL --output json` with throwaway credentials and no user
 * configuration; rejects (with `code` and `stderr`) when the CLI exits non-zero.
 */
export function awsCli(endpointUrl: string, ...args: string[]) {
  return run(aws, [...args, '--endpoint-url', endpointUrl, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'islet',
      AWS_SECRET_ACCESS_KEY: 'islet',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });
}
