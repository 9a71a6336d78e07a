import { errorMessageOf } from './errors.js';
import type { ObjectFacts } from './inventory.js';
import { formatCrKey, type CrKey, type KubeObject, type ObjectRef } from './model.js';
import type { CrEvent, ReconcileDeps, ReconcileLogger, ReconcileOutcome, ReconcileResult } from './ports.js';

const silentLogger: ReconcileLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Per-call state of one reconcile: the deps, a fixed clock reading, and what has been done so far — the one
 * record of it: the phases add to it, the result is read from it.
 */
export class ReconcileContext {
  readonly deps: ReconcileDeps;
  readonly key: CrKey;
  readonly now: Date;
  readonly log: ReconcileLogger;
  readonly applied: ObjectRef[] = [];
  readonly created: ObjectRef[] = [];
  readonly updated: ObjectRef[] = [];
  readonly pruned: ObjectRef[] = [];
  readonly deleted: ObjectRef[] = [];
  /** Per desired object (by refKey) applied or verified in this reconcile: what the inventory records. */
  readonly facts = new Map<string, ObjectFacts>();
  /**
   * Whether the inventory names every object of this CR that can exist (no orphans possible, or prune searched
   * for them): only then are this reconcile's entries written tracked (inventory.ts).
   */
  inventoryComplete = false;
  /** The CR as the API server last returned it: a status write needs its resourceVersion and status. */
  current: KubeObject | undefined;
  writes = 0;
  /** Facts about the CR as this reconcile read it and what it did to it (see ReconcileResult). */
  crFacts: Pick<ReconcileResult, 'appliedBefore' | 'cleanup' | 'finalizer'> = {};

  private unchangedAnswer: Promise<boolean> | undefined;

  /** deps.appliedObjectsUnchanged, asked once per reconcile (false without it, or when it fails). */
  appliedObjectsUnchanged(): Promise<boolean> {
    const ask = this.deps.appliedObjectsUnchanged;
    this.unchangedAnswer ??= ask
      ? ask().catch((err: unknown) => {
          this.log.debug({ cr: this.keyText, message: errorMessageOf(err) }, 'reading every object');
          return false;
        })
      : Promise.resolve(false);
    return this.unchangedAnswer;
  }

  constructor(key: CrKey, deps: ReconcileDeps) {
    this.deps = deps;
    this.key = key;
    this.now = (deps.now ?? ((): Date => new Date()))();
    this.log = deps.logger ?? silentLogger;
  }

  get crApiVersion(): string {
    return `${this.deps.resource.group}/${this.deps.resource.version}`;
  }

  get keyText(): string {
    return formatCrKey(this.key);
  }

  /** Runs one ClusterWriter call and counts it (the count is what the skip rule keeps at zero). */
  async write<T>(call: () => Promise<T>): Promise<T> {
    this.writes += 1;
    return call();
  }

  /**
   * Records an Event on the CR. Events are informational: a failure to record one is logged and does not
   * fail the reconcile (the status carries the same facts).
   */
  async event(cr: KubeObject, event: CrEvent): Promise<void> {
    try {
      await this.deps.events.record(cr, event);
    } catch (err) {
      this.log.warn(
        { cr: this.keyText, reason: event.reason, message: errorMessageOf(err) },
        'could not record event',
      );
    }
  }

  finish(outcome: ReconcileOutcome, extra: Partial<ReconcileResult> = {}): ReconcileResult {
    return {
      outcome,
      applied: this.applied,
      created: this.created,
      updated: this.updated,
      pruned: this.pruned,
      deleted: this.deleted,
      writes: this.writes,
      ...this.crFacts,
      ...extra,
    };
  }
}
