import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface InventoryKeyOptions {
  connection: Redis;
  prefix: string;
  /** A new random key (default 32 random bytes, base64url). */
  randomKey?: () => string;
}

/**
 * The workers' shared inventory key (@lostromos/reconcile `ReconcileDeps.inventoryKey`): it seals the per-object
 * facts a reconcile records in a CR's status, so a later reconcile can apply with a recorded uid as its
 * precondition without reading the object first — and nobody who can merely write a CR's status can forge one.
 * One random key per Redis prefix, in `<prefix>:_inventory-key`: the first worker that needs it creates it
 * (SET NX), every other one reads that one. Redis is already what the workers trust (templates, rollouts). A
 * lost key only costs reads: seals made with the old one no longer verify, so those objects are read before
 * their next apply, which seals them anew.
 */
export class InventoryKey {
  private readonly o: InventoryKeyOptions;
  private pending: Promise<string> | undefined;

  constructor(opts: InventoryKeyOptions) {
    this.o = opts;
  }

  get redisKey(): string {
    return `${this.o.prefix}:_inventory-key`;
  }

  /** The key, from Redis once per process (a failed attempt is retried on the next call). */
  get(): Promise<string> {
    this.pending ??= this.load().catch((err: unknown) => {
      this.pending = undefined;
      throw err;
    });
    return this.pending;
  }

  private async load(): Promise<string> {
    const fresh = (this.o.randomKey ?? ((): string => randomBytes(32).toString('base64url')))();
    await this.o.connection.set(this.redisKey, fresh, 'NX');
    const key = await this.o.connection.get(this.redisKey);
    if (!key)
      throw new Error(`the inventory key ${this.redisKey} vanished from Redis right after it was set`);
    return key;
  }
}
