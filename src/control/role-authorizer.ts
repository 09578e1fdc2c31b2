import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import type { Authorizer, Caller } from '../services/host';
import type { IamStore, RoleRecord } from '../store/iam-store';
import { evaluate, MalformedPolicyDocumentError, type PolicyDocument, parsePolicy } from './iam-policy';
import { iamLimits } from './identities';

/** What the authorizer knows of one role, rebuilt whenever IAM data changes. */
interface RoleView {
  role?: RoleRecord;
  arn?: string;
  /** Why the role cannot be used at all (missing, not trusted by Lambda, unreadable policy). */
  unusable?: string;
  policies: Array<{ name: string; document: PolicyDocument }>;
}

const roleArnPattern = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):role\/(?:[\u0021-\u007e]*\/)?([\w+=,.@-]+)$/;

/**
 * Decides the service calls of functions by their execution role: the function's Role names an
 * IAM role, whose trust policy must let lambda.amazonaws.com assume it and whose inline policies
 * are evaluated for the action and resource. While no role exists at all, islet runs in local
 * mode and allows everything; the first role makes enforcement strict. Roles are cached and the
 * cache is dropped whenever the IAM data changes, in this process or any other using the data
 * dir (the CLI), so an edited policy applies to the next call.
 */
export class RoleAuthorizer implements Authorizer {
  private generation = -1;
  private localMode = true;
  private readonly roles = new LRUCache<string, RoleView>({ max: iamLimits.rolesPerAccount });

  constructor(
    private readonly store: IamStore,
    /** The Role ARN of a function by name; throws when the function does not exist. */
    private readonly roleOf: (functionName: string) => string,
    private readonly account: { accountId: string; region: string },
    private readonly logger: Logger,
  ) {}

  /** Tells the operator, once, whether execution roles are enforced. */
  announce(): void {
    this.refresh();
    if (this.localMode) {
      this.logger.warn('iam.local_mode', {
        message:
          'no IAM roles exist, so functions may call every service: create a role (islet roles create NAME --policy FILE, or aws iam create-role) to enforce execution roles',
      });
    } else {
      this.logger.info('iam.enforcing', {
        message: 'functions call services as their execution roles allow',
      });
    }
  }

  deny(caller: Caller, action: string, resource: string): string | undefined {
    this.refresh();
    if (this.localMode) return undefined;
    let roleArn: string;
    try {
      roleArn = this.roleOf(caller.functionName);
    } catch {
      return `the function ${caller.functionName} no longer exists`;
    }
    const parsed = roleArnPattern.exec(roleArn);
    if (!parsed) return `the function's role ${roleArn} is not an IAM role ARN`;
    if (parsed[1] !== this.account.accountId) {
      return `the function's role ${roleArn} is not in islet's account ${this.account.accountId}`;
    }
    const view = this.view(parsed[2]);
    if (view.unusable) return view.unusable;
    const result = evaluate(
      view.policies.map((p) => p.document),
      {
        action,
        resource,
        context: {
          'aws:PrincipalArn': view.arn,
          'aws:PrincipalAccount': this.account.accountId,
          'aws:RequestedRegion': this.account.region,
          'lambda:FunctionArn': caller.functionArn,
        },
      },
    );
    if (result.decision === 'allow') return undefined;
    if (result.decision === 'explicit-deny') {
      const policy = view.policies[result.document!].name;
      const sid = result.statement?.sid ? `, statement ${result.statement.sid}` : '';
      return `of an explicit deny in an identity-based policy (role ${view.role!.name}, policy ${policy}${sid})`;
    }
    return `no identity-based policy allows the ${action} action`;
  }

  /** Drops every cached role when IAM data changed since the last look. */
  private refresh(): void {
    const generation = this.store.generation();
    if (generation === this.generation) return;
    this.generation = generation;
    this.roles.clear();
    const local = this.store.roleCount() === 0;
    if (local !== this.localMode && generation > 0) {
      if (local)
        this.logger.warn('iam.local_mode', { message: 'the last IAM role is gone: every call is allowed' });
      else this.logger.info('iam.enforcing', { message: 'an IAM role exists: execution roles are enforced' });
    }
    this.localMode = local;
  }

  private view(name: string): RoleView {
    const key = name.toLowerCase();
    let view = this.roles.get(key);
    if (!view) {
      view = this.load(name);
      this.roles.set(key, view);
    }
    return view;
  }

  private load(name: string): RoleView {
    const role = this.store.getRole(name);
    if (!role) return { unusable: `the function's execution role ${name} does not exist`, policies: [] };
    const arn = this.store.roleArn(role);
    try {
      const trust = evaluate([parsePolicy(role.assumeRolePolicy, 'trust')], {
        action: 'sts:AssumeRole',
        resource: arn,
        principal: { type: 'Service', id: 'lambda.amazonaws.com' },
      });
      if (trust.decision !== 'allow') {
        return {
          role,
          arn,
          unusable: `the trust policy of role ${role.name} does not let lambda.amazonaws.com assume it`,
          policies: [],
        };
      }
      const policies = this.store
        .policies('role', role.name)
        .map((p) => ({ name: p.name, document: parsePolicy(p.document, 'identity') }));
      return { role, arn, policies };
    } catch (e) {
      if (!(e instanceof MalformedPolicyDocumentError)) throw e;
      return {
        role,
        arn,
        unusable: `a policy of role ${role.name} cannot be read (${e.message})`,
        policies: [],
      };
    }
  }
}
