// dynalite ships no types: the parts of it islet's table engine uses.

declare module 'dynalite/db' {
  /** dynalite's store: LevelDB with one key prefix per table, index and tag set. */
  export interface DynaliteStore {
    options: Record<string, unknown>;
    tableDb: { awsAccountId: string; awsRegion: string };
    getItemDb(table: string): {
      get(key: string, cb: (err: Error | null, item?: Record<string, unknown>) => void): void;
    };
    getTable(name: string, cb: (err: (Error & { statusCode?: number }) | null, table?: any) => void): void;
    lifecycleManager: { gracefulClose(cb: (err?: Error | null) => void): void };
  }
  export function create(options: Record<string, unknown>): DynaliteStore;
  export function createKey(item: Record<string, unknown>, table: unknown): string;
  export function checkConditional(data: Record<string, unknown>, existing: unknown): unknown;
}

declare module 'dynalite/validations' {
  export function checkTypes(data: unknown, types: unknown): Record<string, unknown>;
  export function checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
}

declare module 'dynalite/validations/*' {
  const validation: { types: unknown; custom?: unknown };
  export = validation;
}

declare module 'dynalite/actions/*' {
  const action: (store: unknown, data: unknown, cb: (err: any, out?: any) => void) => void;
  export = action;
}
