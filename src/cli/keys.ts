import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { resolveConfig } from '../config';
import { MalformedPolicyDocumentError, parsePolicy } from '../control/iam-policy';
import { IamError, Identities } from '../control/identities';
import { openDatabase } from '../store/db';
import { IamStore } from '../store/iam-store';
import { loadSecret } from '../store/secret';
import { printTable } from './http';

/**
 * `islet keys ...` and `islet roles ...`: access keys (who may call islet's API) and execution
 * roles (what functions may call), written straight into the data dir. They work while the
 * server runs: it notices every change before its next authorisation.
 */

/** The trust policy `islet roles create` gives a role unless --trust names another. */
const lambdaTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

const adminPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'IsletAdmin', Effect: 'Allow', Action: '*', Resource: '*' }],
});

interface DataOptions {
  data?: string;
  accountId?: string;
  json?: boolean;
}

function exit(message: string, code = 1): never {
  console.error(`islet: ${message}`);
  process.exit(code);
}

/** What to do next, by IAM error code. */
const hints: Record<string, string> = {
  NoSuchEntity: ' (islet keys list and islet roles list show what exists)',
  EntityAlreadyExists: ' (choose another name, or delete it first)',
  LimitExceeded: ' (delete something first: islet roles delete NAME)',
  MalformedPolicyDocument: ' (fix the policy document and run the command again)',
};

/** Opens the data dir's IAM data, runs `work`, closes it; IAM errors become messages and exit 1. */
function withIdentities<T>(
  opts: DataOptions,
  create: boolean,
  work: (ids: Identities, store: IamStore) => T,
): T {
  let config: ReturnType<typeof resolveConfig>;
  try {
    config = resolveConfig({ dataDir: opts.data, accountId: opts.accountId });
  } catch (e) {
    return exit((e as Error).message, 2);
  }
  if (!existsSync(config.dataDir)) {
    if (!create) {
      exit(
        `no islet data dir at ${config.dataDir}; pass --data DIR (the directory islet serve uses) or set ISLET_DATA`,
      );
    }
    mkdirSync(config.dataDir, { recursive: true });
  }
  const db = openDatabase(config.dataDir);
  const store = new IamStore(db, loadSecret(config.dataDir), config.accountId);
  try {
    return work(new Identities(store), store);
  } catch (e) {
    if (e instanceof IamError) {
      const hint = e.message.includes('AccessKeysPerUser')
        ? ' (a user has at most 2 keys: find one with islet keys list, remove it with islet keys delete KEYID)'
        : (hints[e.code] ?? '');
      exit(`${e.code}: ${e.message}${hint}`);
    }
    throw e;
  } finally {
    store.close();
    db.close();
  }
}

/** Reads a policy file and checks it as IAM would, with a message naming the file. */
function readPolicy(file: string, kind: 'identity' | 'trust'): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return exit(`cannot read policy file ${file}: ${(e as Error).message}`, 2);
  }
  try {
    parsePolicy(text, kind);
  } catch (e) {
    if (e instanceof MalformedPolicyDocumentError) exit(`${file} is not a valid IAM policy: ${e.message}`, 2);
    throw e;
  }
  return text;
}

/** A policy name from a file name: `invoke-orders.json` -> `invoke-orders`. */
function policyNameOf(file: string): string {
  const name = basename(file, extname(file))
    .replace(/[^\w+=,.@-]/g, '_')
    .slice(0, 128);
  return name || 'policy';
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function dataOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (env ISLET_DATA; default ./.islet, as islet serve)')
    .option('--account-id <id>', 'account id in ARNs (env ISLET_ACCOUNT_ID; default 000000000000)')
    .option('--json', 'print JSON for scripts');
}

/** Registers `islet keys` and `islet roles`. */
export function keyCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description("access keys for islet's API (SigV4 credentials of IAM users)");

  dataOptions(
    keys
      .command('create')
      .argument('<user>', 'IAM user the key belongs to (created if missing)')
      .description('create an access key and print its secret, once')
      .option('--admin', 'give the user a policy allowing every action on every resource')
      .option('--policy <file>', "attach this IAM policy (JSON) to the user's inline policies")
      .option('--policy-name <name>', 'name of that inline policy (default: the file name, or admin)'),
  ).action((user: string, opts: DataOptions & { admin?: boolean; policy?: string; policyName?: string }) => {
    if (opts.admin && opts.policy) exit('choose --admin or --policy FILE, not both', 2);
    const document = opts.admin ? adminPolicy : opts.policy ? readPolicy(opts.policy, 'identity') : undefined;
    const policyName =
      opts.policyName ?? (opts.admin ? 'admin' : opts.policy ? policyNameOf(opts.policy) : '');
    const key = withIdentities(opts, true, (ids) => {
      const existing = ids.findUserIfAny(user);
      const created = existing ? undefined : ids.createUser({ UserName: user });
      try {
        if (document) ids.putPolicy('user', user, policyName, document);
      } catch (e) {
        if (created) ids.deleteUser(user); // nothing half-made stays behind
        throw e;
      }
      const hasPolicies = ids.listPolicies('user', user).items.length > 0;
      return { ...ids.createAccessKey(user), arn: (existing ?? created)!.arn, hasPolicies };
    });
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            UserName: key.userName,
            AccessKeyId: key.id,
            SecretAccessKey: key.secret,
            Status: key.status,
            CreateDate: iso(key.createdAt),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      process.stdout.write(
        `access key for user ${key.userName} (${key.arn})\n` +
          `  AWS_ACCESS_KEY_ID=${key.id}\n` +
          `  AWS_SECRET_ACCESS_KEY=${key.secret}\n` +
          'The secret is shown only now: store it somewhere safe.\n',
      );
    }
    if (!key.hasPolicies) {
      console.error(
        `islet: note: user ${key.userName} has no policy, so its requests will be denied; attach one with ` +
          `islet keys create ${key.userName} --policy FILE (or --admin), or aws iam put-user-policy`,
      );
    }
  });

  dataOptions(keys.command('list').description('list access keys (never their secrets)')).action(
    (opts: DataOptions) => {
      const all = withIdentities(opts, false, (ids) => ids.listAccessKeys(undefined).items);
      if (opts.json) {
        const rows = all.map((k) => ({
          AccessKeyId: k.id,
          UserName: k.userName,
          Status: k.status,
          CreateDate: iso(k.createdAt),
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (all.length === 0) {
        process.stdout.write('no access keys (islet accepts any signature until one exists)\n');
        return;
      }
      printTable(
        ['ACCESS KEY ID', 'USER', 'STATUS', 'CREATED'],
        all.map((k) => [k.id, k.userName, k.status, iso(k.createdAt)]),
      );
    },
  );

  dataOptions(
    keys
      .command('delete')
      .argument('<access-key-id>', 'the key to delete')
      .description('delete an access key'),
  ).action((id: string, opts: DataOptions) => {
    const userName = withIdentities(opts, false, (ids, store) => {
      const key = store.getAccessKey(id);
      if (!key) exit(`no access key ${id}; islet keys list shows the keys there are`);
      ids.deleteAccessKey(undefined, id);
      return key.userName;
    });
    if (opts.json) process.stdout.write(`${JSON.stringify({ AccessKeyId: id, UserName: userName })}\n`);
    else process.stdout.write(`deleted access key ${id} (user ${userName})\n`);
  });

  const roles = program
    .command('roles')
    .description('execution roles: what functions may do with the AWS SDK (their Role)');

  dataOptions(
    roles
      .command('create')
      .argument('<name>', 'role name')
      .description('create a role that Lambda may assume, with an inline policy')
      .requiredOption('--policy <file>', 'IAM policy (JSON) of what functions with this role may do')
      .option('--policy-name <name>', 'name of the inline policy (default: the file name)')
      .option('--trust <file>', 'trust policy (default: lambda.amazonaws.com may assume the role)')
      .option('--description <text>', 'description of the role'),
  ).action(
    (
      name: string,
      opts: DataOptions & { policy: string; policyName?: string; trust?: string; description?: string },
    ) => {
      const document = readPolicy(opts.policy, 'identity');
      const trust = opts.trust ? readPolicy(opts.trust, 'trust') : lambdaTrust;
      const role = withIdentities(opts, true, (ids) => {
        const created = ids.createRole({
          RoleName: name,
          AssumeRolePolicyDocument: trust,
          Description: opts.description,
        });
        try {
          ids.putPolicy('role', created.name, opts.policyName ?? policyNameOf(opts.policy), document);
        } catch (e) {
          ids.deleteRole(created.name);
          throw e;
        }
        return created;
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ RoleName: role.name, Arn: role.arn }, null, 2)}\n`);
      } else {
        process.stdout.write(
          `created role ${role.name}\n  ${role.arn}\nUse it as a function's Role (aws lambda update-function-configuration --role ${role.arn}).\n`,
        );
      }
    },
  );

  dataOptions(roles.command('list').description('list roles and their inline policies')).action(
    (opts: DataOptions) => {
      const rows = withIdentities(opts, false, (ids) => {
        const out: Array<{ name: string; arn: string; policies: string[]; createdAt: number }> = [];
        for (let marker: string | undefined; ; ) {
          const page = ids.listRoles({ marker, maxItems: 1000 });
          for (const r of page.items) {
            out.push({
              name: r.name,
              arn: r.arn,
              policies: ids.rolePolicyDocuments(r.name).map((p) => p.name),
              createdAt: r.createdAt,
            });
          }
          marker = page.marker;
          if (!marker) return out;
        }
      });
      if (opts.json) {
        const json = rows.map((r) => ({
          RoleName: r.name,
          Arn: r.arn,
          Policies: r.policies,
          CreateDate: iso(r.createdAt),
        }));
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no roles (functions may call every service until one exists)\n');
        return;
      }
      printTable(
        ['NAME', 'ARN', 'POLICIES', 'CREATED'],
        rows.map((r) => [r.name, r.arn, r.policies.join(',') || '-', iso(r.createdAt)]),
      );
    },
  );

  dataOptions(
    roles
      .command('delete')
      .argument('<name>', 'role name')
      .description('delete a role and its inline policies'),
  ).action((name: string, opts: DataOptions) => {
    const removed = withIdentities(opts, false, (ids) => {
      const role = ids.getRole(name);
      const policies = ids.rolePolicyDocuments(role.name);
      for (const p of policies) ids.deletePolicy('role', role.name, p.name);
      ids.deleteRole(role.name);
      return { name: role.name, policies: policies.length };
    });
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ RoleName: removed.name, Policies: removed.policies })}\n`);
    else process.stdout.write(`deleted role ${removed.name} and its ${removed.policies} inline policies\n`);
  });
}
