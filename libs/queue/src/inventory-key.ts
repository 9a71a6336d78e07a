import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface InventoryKeyOptions {
  connection: Redis;
  prefix: string;
  /** A new random key (default 32 random bytes, base64url). */
  randomKey?: () => string;
  /** How long a key read from Redis is used before it is read again (default 60 s). */
  refreshMs?: number;
  now?: () => number;
}

/**
 * The workers' shared inventory key (@lostromos/reconcile `ReconcileDeps.inventoryKey`): it seals the per-object
 * facts a reconcile records in a CR's status, so a later reconcile can apply with a recorded uid as its
 * precondition without reading the object first — and nobody who can merely write a CR's status can forge one.
 * One random key per Redis prefix, in `<prefix>:_inventory-key`: the first worker that needs it creates it
 * (SET NX), every other one reads that one. Redis is already what the workers trust (templates, rollouts).
 *
 * Each process reads it again every `refreshMs`, offering the key it has (SET NX): a Redis restarted empty gets
 * the workers' key back, so their seals stay valid, and every worker converges on the one key Redis holds. A key
 * that does change (Redis lost it before any worker refreshed) only costs reads: seals made with the old one no
 * longer verify, so those objects are read before their next apply, which seals them anew.
 */
export class InventoryKey {
  private readonly o: InventoryKeyOptions;
  private readonly now: () => number;
  private pending: Promise<string> | undefined;
  private known: { key: string; at: number } | undefined;

  constructor(opts: InventoryKeyOptions) {
    this.o = opts;
    this.now = opts.now ?? Date.now;
  }

  get redisKey(): string {
    return `${this.o.prefix}:_inventory-key`;
  }

  /**
   * The key: from memory while fresh, else from Redis (one read at a time; while Redis cannot be read, a key
   * already known is used, and a process that never read one fails, to be retried on the next call).
   */
  async get(): Promise<string> {
    const known = this.known;
    if (known && this.now() - known.at < (this.o.refreshMs ?? 60_000)) return known.key;
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    try {
      return await this.pending;
    } catch (err) {
      if (known) return known.key;
      throw err;
    }
  }

  private async load(): Promise<string> {
    const offered =
      this.known?.key ?? (this.o.randomKey ?? ((): string => randomBytes(32).toString('base64url')))();
    await this.o.connection.set(this.redisKey, offered, 'NX');
    const key = await this.o.connection.get(this.redisKey);
    if (!key)
      throw new Error(`the inventory key ${this.redisKey} vanished from Redis right after it was set`);
    this.known = { key, at: this.now() };
    return key;
  }
}
