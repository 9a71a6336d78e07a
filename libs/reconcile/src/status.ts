/**
 * Phase 4, status: the conditions and fields Lostrómos owns in a CR's status, computed purely, and the three
 * reports that end a reconcile — reconciled (applied or verified), paused, failed permanently (status + Warning
 * Event, the one path of every permanent failure).
 */
import { escapeInvisible } from '@lostromos/render';
import type { ReconcileContext } from './context.js';
import type { DesiredState } from './desired.js';
import {
  ApiRejectedError,
  asPermanentError,
  errorMessageOf,
  isPermanentError,
  type ReconcileError,
} from './errors.js';
import { appliedEntry, mergeInventory, parseEntry, pendingEntries } from './inventory.js';
import {
  jsonEqual,
  PAUSED_ANNOTATION,
  refKey,
  refOf,
  toRef,
  type Condition,
  type ConditionStatus,
  type CrStatus,
  type InventoryEntry,
  type KubeObject,
  type LastApplied,
  type ObjectRef,
} from './model.js';
import type { ReconcileResult } from './ports.js';
import { summarizeReadiness, type ReadinessSummary } from './readiness.js';

/** The condition to set; `lastTransitionTime` is derived by {@link setCondition}. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns a new condition list with `update` set. `lastTransitionTime` changes only when the status flips
 * (True/False/Unknown); a changed reason or message alone keeps the previous time, like
 * apimachinery's `meta.SetStatusCondition`. Other conditions keep their position.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = conditions ? [...conditions] : [];
  const index = list.findIndex((c) => c.type === update.type);
  const previous = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    previous && previous.status === update.status ? previous.lastTransitionTime : now.toISOString();
  const next: Condition = { ...update, lastTransitionTime };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** How much of a template revision the status shows (and `lostromos.io/template-revision` needs at most). */
const TEMPLATE_REVISION_LENGTH = 12;

/** Reasons Lostrómos writes on its conditions besides the error reasons of the registry (errors.ts). */
const ConditionReasons = {
  /** Reconciled=True: the rendered objects were applied and stale ones pruned. */
  Applied: 'Applied',
  /** Reconciled=False: the `lostromos.io/paused` annotation is "true". */
  Paused: 'Paused',
  /** Ready=True: every applied object is ready. */
  Ready: 'Ready',
  /** Ready=False: at least one object is still becoming ready. */
  InProgress: 'InProgress',
  /** Ready=False: at least one object failed (Job failed, deployment deadline exceeded, …). */
  ChildFailed: 'ChildFailed',
} as const;

export interface ConditionValue {
  status: ConditionStatus;
  reason: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isCondition(value: unknown): value is Condition {
  return isRecord(value) && typeof value.type === 'string' && typeof value.status === 'string';
}

/** Our fields of a CR's status, tolerating anything malformed someone else wrote there (dropped). */
export function statusOf(cr: KubeObject): CrStatus {
  const raw = isRecord(cr.status) ? cr.status : {};
  const status: CrStatus = {};
  if (typeof raw.observedGeneration === 'number') status.observedGeneration = raw.observedGeneration;
  if (Array.isArray(raw.conditions)) status.conditions = raw.conditions.filter(isCondition);
  if (Array.isArray(raw.resources))
    status.resources = raw.resources.map(parseEntry).filter((e): e is InventoryEntry => e !== undefined);
  const last = raw.lastApplied;
  if (isRecord(last) && typeof last.renderHash === 'string' && typeof last.generation === 'number') {
    status.lastApplied = { renderHash: last.renderHash, generation: last.generation };
  }
  if (typeof raw.templateRevision === 'string') status.templateRevision = raw.templateRevision;
  return status;
}

export interface StatusUpdate {
  previous: CrStatus;
  /** The CR's metadata.generation. */
  generation: number | undefined;
  now: Date;
  reconciled: ConditionValue;
  /** Omitted: Ready is left as it was. */
  ready?: ConditionValue;
  /** Omitted: the inventory is left as it was. */
  resources?: InventoryEntry[];
  /** Omitted: left as it was. */
  lastApplied?: LastApplied;
  /** The renderer revision the objects were applied from (cut to TEMPLATE_REVISION_LENGTH); omitted: as it was. */
  templateRevision?: string;
  /** false leaves observedGeneration as it was (paused: the spec was not acted upon). Default true. */
  observe?: boolean;
}

/** The next status: previous fields carried over, conditions set with transition-time semantics. */
export function computeStatus(update: StatusUpdate): CrStatus {
  const { previous, generation, now } = update;
  const next: CrStatus = { ...previous };
  if (update.observe !== false && generation !== undefined) next.observedGeneration = generation;
  const withGeneration = generation === undefined ? {} : { observedGeneration: generation };
  // Messages may quote CR values or live objects' status: `kubectl describe` must show what they say.
  let conditions = setCondition(
    previous.conditions,
    {
      type: 'Reconciled',
      ...update.reconciled,
      message: escapeInvisible(update.reconciled.message),
      ...withGeneration,
    },
    now,
  );
  if (update.ready)
    conditions = setCondition(
      conditions,
      { type: 'Ready', ...update.ready, message: escapeInvisible(update.ready.message), ...withGeneration },
      now,
    );
  next.conditions = conditions;
  if (update.resources) next.resources = update.resources;
  if (update.lastApplied) next.lastApplied = update.lastApplied;
  // A renderer that failed to load reports `error:…`: that is no revision to show.
  if (update.templateRevision && !update.templateRevision.startsWith('error:'))
    next.templateRevision = update.templateRevision.slice(0, TEMPLATE_REVISION_LENGTH);
  return next;
}

/** True when writing `next` would change the status (only our fields are compared). */
export function statusChanged(previous: CrStatus, next: CrStatus): boolean {
  return !jsonEqual(previous, next);
}

/** The Ready condition for a readiness summary. */
export function readyCondition(summary: ReadinessSummary): ConditionValue {
  if (summary.state === 'ready')
    return { status: 'True', reason: ConditionReasons.Ready, message: summary.message };
  if (summary.state === 'failed')
    return { status: 'False', reason: ConditionReasons.ChildFailed, message: summary.message };
  return { status: 'False', reason: ConditionReasons.InProgress, message: summary.message };
}

/**
 * The inventory to record for these objects: each with the facts this reconcile learned about it (ctx.facts),
 * tracked only when the inventory is known complete (ctx.inventoryComplete), deduplicated, in stable order.
 */
export function inventoryOf(
  ctx: ReconcileContext,
  cr: KubeObject,
  refs: readonly ObjectRef[],
): InventoryEntry[] {
  const opts = {
    key: ctx.deps.inventoryKey,
    crUid: cr.metadata.uid ?? '',
    tracked: ctx.inventoryComplete,
  };
  return mergeInventory(
    [],
    refs.map((ref) => {
      const facts = ctx.facts.get(refKey(ref));
      return facts ? appliedEntry(ref, facts, opts) : toRef(ref);
    }),
  );
}

// Writing status, and the reports that end a reconcile.

/**
 * Writes status only when our fields changed; returns the CR as the API server now has it. A permanent refusal
 * becomes ApiRejected saying it was the status write (e.g. RBAC without the status subresource).
 */
async function writeStatusIfChanged(
  ctx: ReconcileContext,
  cr: KubeObject,
  previous: CrStatus,
  next: CrStatus,
): Promise<KubeObject> {
  if (!statusChanged(previous, next)) return cr;
  try {
    return await ctx.write(() => ctx.deps.writer.writeStatus(cr, next));
  } catch (err) {
    if (!isPermanentError(err)) throw err;
    const { group, plural } = ctx.deps.resource;
    throw new ApiRejectedError(
      `cannot write the CR's status: ${errorMessageOf(err)}; allow Lostrómos to patch ${plural}.${group}/status (RBAC), and keep the CRD's status subresource and schema open to Lostrómos' fields (docs/reconcile.md, Status)`,
      { cause: err },
    );
  }
}

/**
 * The write-ahead: before applying objects the inventory does not name yet, record them as pending, so an apply
 * interrupted before the final status write leaves no object the inventory does not name (and prune needs no
 * search by label). One status write, only when the desired set grew; returns the CR as the API server now has
 * it (its resourceVersion guards the next status write).
 */
export async function recordPending(
  ctx: ReconcileContext,
  cr: KubeObject,
  refs: readonly ObjectRef[],
): Promise<KubeObject> {
  const previous = statusOf(cr);
  const pending = pendingEntries(previous.resources ?? [], refs);
  if (pending.length === 0) return cr;
  ctx.log.debug({ cr: ctx.keyText, pending: pending.length }, 'recording new objects before applying them');
  const next: CrStatus = { ...previous, resources: mergeInventory(previous.resources ?? [], pending) };
  return writeStatusIfChanged(ctx, cr, previous, next);
}

const DEFAULT_READINESS_POLL_MS = 10_000;
/** events.k8s.io/v1 limits `note` to 1 kB. */
const EVENT_MESSAGE_MAX = 1000;
/** Keeps conditions readable and well under metav1.Condition's 32 kB message limit. */
const CONDITION_MESSAGE_MAX = 4000;

export function truncate(text: string, max = EVENT_MESSAGE_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Status after an apply or a verified no-op: Reconciled=True, Ready from the live objects, inventory, last apply. */
export async function reportReconciled(
  ctx: ReconcileContext,
  cr: KubeObject,
  desired: DesiredState,
  live: readonly KubeObject[],
  outcome: 'applied' | 'unchanged',
): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const generation = cr.metadata.generation;
  const summary = summarizeReadiness(live);
  const next = computeStatus({
    previous,
    generation,
    now: ctx.now,
    reconciled: {
      status: 'True',
      reason: ConditionReasons.Applied,
      message: `Applied ${desired.objects.length} ${desired.objects.length === 1 ? 'object' : 'objects'} for generation ${generation ?? 0}`,
    },
    ready: readyCondition(summary),
    // Unchanged (the skip rule): the inventory stays as it is, so a resync writes nothing it did not have to.
    ...(outcome === 'applied' ? { resources: inventoryOf(ctx, cr, desired.objects.map(refOf)) } : {}),
    lastApplied: { renderHash: desired.hash, generation: generation ?? 0 },
    templateRevision: ctx.deps.renderer.revision,
  });
  await writeStatusIfChanged(ctx, cr, previous, next);
  const seen = { readiness: summary.state, templateRevision: ctx.deps.renderer.revision };
  if (summary.state !== 'in-progress') return ctx.finish(outcome, seen);
  return ctx.finish(outcome, {
    ...seen,
    requeueAfterMs: ctx.deps.readinessPollMs ?? DEFAULT_READINESS_POLL_MS,
  });
}

/** The CR is paused: Reconciled=False/Paused; observedGeneration, Ready and the inventory stay as they were. */
export async function reportPaused(ctx: ReconcileContext, cr: KubeObject): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const next = computeStatus({
    previous,
    generation: cr.metadata.generation,
    now: ctx.now,
    observe: false,
    reconciled: {
      status: 'False',
      reason: ConditionReasons.Paused,
      message: `Reconciliation is paused by the annotation ${PAUSED_ANNOTATION}="true"; remove it to resume`,
    },
  });
  await writeStatusIfChanged(ctx, cr, previous, next);
  return ctx.finish('paused');
}

/**
 * A permanent error: Reconciled=False and Ready=False with the error's reason and message, a Warning Event
 * when that reason/message is new (not on every resync), objects applied before the failure added to the
 * inventory so they stay tracked. No retry: the next CR or template change (or resync) tries again.
 * When the status cannot be written either (refused permanently), the Warning Event still tells the failure,
 * and the result's message says the status write failed too; a retryable status error propagates.
 */
export async function reportPermanentFailure(
  ctx: ReconcileContext,
  cr: KubeObject,
  error: ReconcileError,
): Promise<ReconcileResult> {
  const previous = statusOf(cr);
  const failure = {
    status: 'False' as const,
    reason: error.reason,
    message: truncate(error.message, CONDITION_MESSAGE_MAX),
  };
  const next = computeStatus({
    previous,
    generation: cr.metadata.generation,
    now: ctx.now,
    reconciled: failure,
    ready: failure,
    ...(ctx.applied.length > 0
      ? { resources: mergeInventory(previous.resources ?? [], inventoryOf(ctx, cr, ctx.applied)) }
      : {}),
  });
  const last = findCondition(previous.conditions, 'Reconciled');
  const isNew =
    last?.status !== 'False' || last.reason !== failure.reason || last.message !== failure.message;
  let message = error.message;
  try {
    await writeStatusIfChanged(ctx, cr, previous, next);
  } catch (err) {
    const statusRefused = asPermanentError(err);
    if (!statusRefused) throw err;
    // The failure being reported may be this very refusal (a status write after an apply): say it once.
    if (statusRefused.message !== error.message) message = `${error.message} (and ${statusRefused.message})`;
  }
  if (isNew) {
    await ctx.event(cr, {
      type: 'Warning',
      reason: error.reason,
      action: 'Reconcile',
      message: truncate(message),
    });
  }
  // No log line here: the caller that owns the job logs its outcome once (the worker: "reconcile failed
  // permanently", with code, reason and message), so one failure is one warning line.
  return ctx.finish('failed-permanent', {
    error: { code: error.code, reason: error.reason, message, retryable: false },
  });
}
