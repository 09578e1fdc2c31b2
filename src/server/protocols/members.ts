/** A member that is missing or does not fit its constraints, worded as AWS validation errors are. */
export class MemberError extends Error {
  constructor(
    readonly problem: 'missing' | 'invalid',
    /** Where the member is, e.g. `limit` or `MetricDataQueries.member.1.Id`. */
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** A value as a validation message quotes it (at most 100 characters; any type, BigInt included). */
const show = (v: unknown) => {
  let text: string;
  try {
    text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    text = String(v);
  }
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
};

const invalid = (path: string, value: unknown, constraint: string) =>
  new MemberError(
    'invalid',
    path,
    `1 validation error detected: Value '${show(value)}' at '${path}' failed to satisfy constraint: Member must ${constraint}`,
  );

/** Typed, validated reads of an operation's input members. */
export interface Members {
  /** The path of a member, for messages (`MetricDataQueries.member.1.Id`). */
  where(name: string): string;
  /** The value as sent (undefined when absent or null). */
  raw(name: string): unknown;
  string(
    name: string,
    c?: { required?: boolean; min?: number; max?: number; pattern?: RegExp },
  ): string | undefined;
  integer(name: string, c?: { required?: boolean; min?: number; max?: number }): number | undefined;
  boolean(name: string): boolean | undefined;
  timestamp(name: string, c?: { required?: boolean }): Date | undefined;
  list(name: string, c?: { required?: boolean; min?: number; max?: number }): unknown[] | undefined;
  stringList(name: string, c?: { required?: boolean; min?: number; max?: number }): string[] | undefined;
  /** A nested structure's members (an element of a list is `at(list[i], 'Name.member.N')`). */
  structure(name: string, c?: { required?: boolean }): Members | undefined;
}

/** Reads the members of `input`, naming them in errors after `prefix`. */
export function members(input: Record<string, unknown>, prefix = ''): Members {
  const path = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const get = (name: string, required: boolean | undefined) => {
    const v = Object.hasOwn(input, name) ? input[name] : undefined;
    if ((v === undefined || v === null) && required) {
      throw new MemberError('missing', path(name), `The parameter ${path(name)} is required.`);
    }
    return v ?? undefined;
  };
  const self: Members = {
    where: path,
    raw: (name) => get(name, false),
    string(name, c = {}) {
      const v = get(name, c.required);
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw invalid(path(name), v, 'be a string');
      if (c.min !== undefined && v.length < c.min)
        throw invalid(path(name), v, `have length greater than or equal to ${c.min}`);
      if (c.max !== undefined && v.length > c.max)
        throw invalid(path(name), v, `have length less than or equal to ${c.max}`);
      if (c.pattern && !c.pattern.test(v))
        throw invalid(path(name), v, `satisfy regular expression pattern: ${c.pattern.source}`);
      return v;
    },
    integer(name, c = {}) {
      const v = get(name, c.required);
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(path(name), v, 'be an integer');
      if (c.min !== undefined && v < c.min)
        throw invalid(path(name), v, `have value greater than or equal to ${c.min}`);
      if (c.max !== undefined && v > c.max)
        throw invalid(path(name), v, `have value less than or equal to ${c.max}`);
      return v;
    },
    boolean(name) {
      const v = get(name, false);
      if (v === undefined) return undefined;
      if (typeof v !== 'boolean') throw invalid(path(name), v, 'be a boolean');
      return v;
    },
    timestamp(name, c = {}) {
      const v = get(name, c.required);
      if (v === undefined) return undefined;
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw invalid(path(name), v, 'be a timestamp');
      return v;
    },
    list(name, c = {}) {
      const v = get(name, c.required);
      if (v === undefined) return undefined;
      if (!Array.isArray(v)) throw invalid(path(name), v, 'be a list');
      if (c.min !== undefined && v.length < c.min)
        throw invalid(path(name), v, `have length greater than or equal to ${c.min}`);
      if (c.max !== undefined && v.length > c.max)
        throw invalid(path(name), v, `have length less than or equal to ${c.max}`);
      return v;
    },
    stringList(name, c = {}) {
      const v = self.list(name, c);
      v?.forEach((item, i) => {
        if (typeof item !== 'string') throw invalid(`${path(name)}.member.${i + 1}`, item, 'be a string');
      });
      return v as string[] | undefined;
    },
    structure(name, c = {}) {
      const v = get(name, c.required);
      if (v === undefined) return undefined;
      return at(v, path(name));
    },
  };
  return self;
}

/** The members of a value that must be a structure (e.g. one element of a list). */
export function at(value: unknown, path: string): Members {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    throw invalid(path, value, 'be a structure');
  }
  return members(value as Record<string, unknown>, path);
}
