import type { Redis } from 'ioredis';
import { LostromosError } from '@lostromos/model';

/**
 * One template revision as the workers store it: the engine, the source files (path, base64) and the values
 * it renders with. Structurally the same as @lostromos/render's TemplateSnapshot (this lib does not depend on
 * the renderer).
 */
export interface StoredTemplates {
  engine: string;
  revision: string;
  files: Array<[string, string]>;
  values: Record<string, unknown>;
  source: string;
}

/** A revision in a resource's history, newest first. */
export interface RevisionEntry {
  revision: string;
  /** When a worker first stored it (epoch ms). */
  storedAt: number;
}

export const TEMPLATE_STORE_DEFAULTS = {
  /** Largest stored revision (its JSON): template folders and charts are kilobytes, a mistake is megabytes. */
  maxBytes: 8 * 1024 * 1024,
  /** Revisions kept per resource (more while CRs are pinned to, or a rollout uses, older ones). */
  keep: 10,
} as const;

export const TemplateStoreErrorCodes = {
  /** The templates are larger than the store keeps: other workers cannot render this revision. */
  LZ_TEMPLATES_TOO_LARGE: { retryable: false },
  /** Redis could not be read for a render decision (rollout state, a stored revision): retried with backoff. */
  LZ_TEMPLATE_STORE_UNAVAILABLE: { retryable: true },
} as const;

export type TemplateStoreErrorCode = keyof typeof TemplateStoreErrorCodes;

export class TemplateStoreError extends LostromosError {
  override readonly name = 'TemplateStoreError';
  readonly retryable: boolean;
  constructor(
    readonly code: TemplateStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = TemplateStoreErrorCodes[code].retryable;
  }
}

export interface TemplateStoreOptions {
  connection: Pick<Redis, 'set' | 'get' | 'zadd' | 'zrange' | 'zrem' | 'del' | 'zcard'>;
  prefix: string;
  maxBytes?: number;
  keep?: number;
  now?: () => number;
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * The template revisions of every resource, content-addressed, kept in Redis so that any worker can render a
 * CR with the revision it is on — not only the revision the files on its own disk hold. Workers store each
 * revision they load; the leading watcher trims the history (see trim).
 *
 * Layout: string `<prefix>:_templates:<resource>:<revision>` (JSON StoredTemplates, written once) and sorted set
 * `<prefix>:_templates:<resource>` (member = revision, score = when it was first stored). `_` cannot start a
 * resource (= queue) name, so this never collides with BullMQ's keys.
 */
export class TemplateStore {
  private readonly redis: TemplateStoreOptions['connection'];
  private readonly prefix: string;
  readonly maxBytes: number;
  readonly keep: number;
  private readonly now: () => number;

  constructor(opts: TemplateStoreOptions) {
    this.redis = opts.connection;
    this.prefix = opts.prefix;
    this.maxBytes = opts.maxBytes ?? TEMPLATE_STORE_DEFAULTS.maxBytes;
    this.keep = opts.keep ?? TEMPLATE_STORE_DEFAULTS.keep;
    this.now = opts.now ?? Date.now;
  }

  historyKey(resource: string): string {
    return `${this.prefix}:_templates:${resource}`;
  }

  revisionKey(resource: string, revision: string): string {
    return `${this.prefix}:_templates:${resource}:${revision}`;
  }

  /**
   * Stores a revision (idempotent: a revision's content never changes) and adds it to the history with the
   * time it was first stored. Throws TemplateStoreError when it is larger than `maxBytes`.
   */
  async put(resource: string, snapshot: StoredTemplates): Promise<void> {
    const json = JSON.stringify(snapshot);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxBytes) {
      throw new TemplateStoreError(
        'LZ_TEMPLATES_TOO_LARGE',
        `the templates of resource ${resource} (revision ${snapshot.revision.slice(0, 12)}, ${snapshot.files.length} files from ${snapshot.source}) take ${mib(bytes)}, more than the ${mib(this.maxBytes)} the template store keeps per revision: this worker renders them, but other workers cannot, so staged rollouts and pins cannot use this revision. Keep only templates in the folder (or the chart), not data files`,
      );
    }
    await this.redis.set(this.revisionKey(resource, snapshot.revision), json, 'NX');
    await this.redis.zadd(this.historyKey(resource), 'NX', this.now(), snapshot.revision);
  }

  /** A stored revision, or undefined when it is not (or no longer) stored. */
  async get(resource: string, revision: string): Promise<StoredTemplates | undefined> {
    const json = await this.redis.get(this.revisionKey(resource, revision));
    if (!json) return undefined;
    try {
      const v = JSON.parse(json) as StoredTemplates;
      return typeof v.revision === 'string' && Array.isArray(v.files) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** The resource's stored revisions, newest first. */
  async history(resource: string): Promise<RevisionEntry[]> {
    const flat = await this.redis.zrange(this.historyKey(resource), '0', '-1', 'REV', 'WITHSCORES');
    const out: RevisionEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ revision: flat[i]!, storedAt: Number(flat[i + 1]) });
    return out;
  }

  /**
   * Drops the oldest revisions beyond `keep`, except those `protect` names (CRs pinned to them, a rollout's
   * stable, target and previous revisions, what live workers run). Returns the revisions removed.
   */
  async trim(resource: string, protect: (revision: string) => boolean): Promise<string[]> {
    const history = await this.history(resource);
    const removable = history.slice(this.keep).filter((e) => !protect(e.revision));
    if (removable.length === 0) return [];
    const revisions = removable.map((e) => e.revision);
    await this.redis.zrem(this.historyKey(resource), ...revisions);
    await this.redis.del(...revisions.map((r) => this.revisionKey(resource, r)));
    return revisions;
  }
}
