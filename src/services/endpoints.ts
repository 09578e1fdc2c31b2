import { readFileSync } from 'node:fs';

/** Where calls for one bucket, table or stream go, with the credentials islet signs them with. */
export interface Endpoint {
  /** Base URL, e.g. http://127.0.0.1:9000 (MinIO) or https://s3.eu-west-1.amazonaws.com. */
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** S3 only: path-style URLs (MinIO, Ceph and most S3-compatible servers need them). */
  forcePathStyle: boolean;
}

/** The services a function can reach through the SDK shims, by the resource kind each names. */
export const serviceResources = { s3: 'buckets', dynamodb: 'tables', kinesis: 'streams' } as const;
export type ExternalService = keyof typeof serviceResources;

type ServiceSection = { default?: Endpoint; byName: Map<string, Endpoint> };

/**
 * External endpoints from the services file (--services FILE):
 *   { "s3": { "default": {...}, "buckets": { "photos": {...} } },
 *     "dynamodb": { "default": {...}, "tables": {...} },
 *     "kinesis": { "default": {...}, "streams": {...} } }
 * Each endpoint: { "endpoint": URL, "region"?, "accessKeyId"?, "secretAccessKey"?, "forcePathStyle"? }.
 * Credentials left out come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of islet's environment.
 */
export class ServiceEndpoints {
  private readonly sections = new Map<ExternalService, ServiceSection>();

  constructor(
    raw: unknown,
    private readonly fallback: { region: string; accessKeyId?: string; secretAccessKey?: string },
  ) {
    if (raw === undefined) return;
    if (!isObject(raw)) throw new Error('the services file must hold a JSON object');
    for (const key of Object.keys(raw)) {
      if (!(key in serviceResources)) {
        throw new Error(
          `the services file names unknown service '${key}' (expected s3, dynamodb or kinesis)`,
        );
      }
      const service = key as ExternalService;
      const section = raw[key];
      if (!isObject(section)) throw new Error(`services file: '${key}' must be an object`);
      const byName = new Map<string, Endpoint>();
      const listKey = serviceResources[service];
      for (const k of Object.keys(section)) {
        if (k !== 'default' && k !== listKey) {
          throw new Error(`services file: '${key}.${k}' is not a setting (expected default or ${listKey})`);
        }
      }
      const list = section[listKey];
      if (list !== undefined) {
        if (!isObject(list)) throw new Error(`services file: '${key}.${listKey}' must be an object`);
        for (const [name, e] of Object.entries(list))
          byName.set(name, this.endpoint(`${key}.${listKey}.${name}`, e));
      }
      const def =
        section.default === undefined ? undefined : this.endpoint(`${key}.default`, section.default);
      this.sections.set(service, { default: def, byName });
    }
  }

  /** Reads the services file; undefined path means no external endpoints. */
  static load(
    path: string | undefined,
    fallback: { region: string; accessKeyId?: string; secretAccessKey?: string },
  ): ServiceEndpoints {
    if (!path) return new ServiceEndpoints(undefined, fallback);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the services file ${path}: ${(e as Error).message}`);
    }
    return new ServiceEndpoints(raw, fallback);
  }

  /** The endpoint serving `name` (a bucket, table or stream) of `service`, if one is configured. */
  for(service: ExternalService, name: string): Endpoint | undefined {
    const s = this.sections.get(service);
    return s?.byName.get(name) ?? s?.default;
  }

  /** Adds a default endpoint for a service when the file gives none (e.g. --kinesis-endpoint). */
  setDefault(
    service: ExternalService,
    endpoint: Omit<Endpoint, 'forcePathStyle'> & { forcePathStyle?: boolean },
  ): void {
    const s: ServiceSection = this.sections.get(service) ?? { byName: new Map() };
    s.default ??= { forcePathStyle: true, ...endpoint };
    this.sections.set(service, s);
  }

  private endpoint(where: string, e: unknown): Endpoint {
    if (!isObject(e)) throw new Error(`services file: '${where}' must be an object`);
    const url = e.endpoint;
    if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/.test(url)) {
      throw new Error(`services file: '${where}.endpoint' must be an http(s) URL`);
    }
    const str = (k: string, fallback: string | undefined): string => {
      const v = e[k] ?? fallback;
      if (typeof v !== 'string' || v === '') {
        throw new Error(
          `services file: '${where}.${k}' must be a non-empty string (or set it in islet's environment)`,
        );
      }
      return v;
    };
    return {
      url,
      region: str('region', this.fallback.region),
      accessKeyId: str('accessKeyId', this.fallback.accessKeyId),
      secretAccessKey: str('secretAccessKey', this.fallback.secretAccessKey),
      forcePathStyle: e.forcePathStyle === undefined ? true : e.forcePathStyle === true,
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
