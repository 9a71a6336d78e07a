import type { KubeObject } from '@lostromos/kube';
import { CLEANUP_FINALIZER, crMembership, formatCrKey, OWNER_UID_LABEL } from '@lostromos/reconcile';
import type { KeptOwned, Writers } from './kept-objects.js';

/** What an informer notification means for the queue. */
export type CrAction = 'enqueue' | 'ignore';

export interface FilterSettings {
  /** The resource's opt-in annotation key ("" = every CR). */
  filterAnnotation: string;
}

function hasAnnotation(obj: KubeObject, key: string): boolean {
  return obj.metadata.annotations?.[key] !== undefined;
}

/**
 * The original tool's filter for a CR that appears (add, relist, resync): opted-in CRs are reconciled; a CR
 * without the annotation is ignored unless we still hold its finalizer (it opted out while we were not
 * watching), in which case the worker cleans it up.
 */
export function actionForPresent(obj: KubeObject, s: FilterSettings): CrAction {
  return crMembership(obj, s.filterAnnotation) === 'ignored' ? 'ignore' : 'enqueue';
}

/**
 * Why a CR the live watch reports added is enqueued: `new` — created, never reconciled, queued behind the events
 * (@lostromos/queue JOB_PRIORITY) — unless it holds our finalizer: then it was reconciled before (a relist
 * brought it back) and its change is an `event`.
 */
export function addedReason(obj: KubeObject): 'new' | 'event' {
  return (obj.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER) ? 'event' : 'new';
}

/**
 * metadata without the fields every write changes, and without the finalizer `without` when given. The spec is
 * not compared: every change of a CR's spec bumps metadata.generation (the watcher does not even keep it,
 * keptCr).
 */
function essentialMeta(obj: KubeObject, without?: string): string {
  const m = { ...obj.metadata };
  delete m.resourceVersion;
  delete m.managedFields;
  if (without !== undefined) {
    const rest = (m.finalizers ?? []).filter((f) => f !== without);
    if (rest.length > 0) m.finalizers = rest;
    else delete m.finalizers;
  }
  return JSON.stringify(m);
}

/** Whether `finalizer` is on `obj` and was not on `old`. */
function finalizerAdded(obj: KubeObject, old: KubeObject, finalizer: string): boolean {
  return (
    (obj.metadata.finalizers ?? []).includes(finalizer) &&
    !(old.metadata.finalizers ?? []).includes(finalizer)
  );
}

/**
 * An update: filter transitions (annotation added → like an add, removed → like a delete: both enqueue, the
 * worker decides from the CR's current state; absent on both sides → ignored, unless we still hold the
 * finalizer), and status-only updates (our own status writes) are ignored, like controller-runtime's
 * GenerationChanged + metadata predicates. So is the addition of our finalizer when nothing else changed: the
 * worker adds it in the reconcile that then applies the CR, so reacting to it would only repeat that reconcile
 * (every new CR was reconciled twice). Its removal, or any other change beside its addition, still enqueues.
 */
export function actionForUpdate(obj: KubeObject, old: KubeObject, s: FilterSettings): CrAction {
  if (s.filterAnnotation) {
    const before = hasAnnotation(old, s.filterAnnotation);
    const after = hasAnnotation(obj, s.filterAnnotation);
    if (before !== after) return 'enqueue';
    if (crMembership(obj, s.filterAnnotation) === 'ignored') return 'ignore';
  }
  if (obj.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return 'enqueue';
  if (obj.metadata.generation !== old.metadata.generation) return 'enqueue';
  const ours = finalizerAdded(obj, old, CLEANUP_FINALIZER) ? CLEANUP_FINALIZER : undefined;
  return essentialMeta(obj, ours) === essentialMeta(old, ours) ? 'ignore' : 'enqueue';
}

/** The queue key of a CR of `resource`. */
export function crKeyOf(resource: { group: string; plural: string }, obj: KubeObject): string {
  return formatCrKey({
    group: resource.group,
    plural: resource.plural,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
  });
}

/** Distinct apiVersion/kind pairs in a CR's status inventory: the kinds to watch for drift. */
export function inventoryKinds(cr: KubeObject): Array<{ apiVersion: string; kind: string }> {
  const status = cr.status as { resources?: unknown } | undefined;
  const refs = Array.isArray(status?.resources) ? (status.resources as unknown[]) : [];
  const out = new Map<string, { apiVersion: string; kind: string }>();
  for (const r of refs) {
    if (typeof r !== 'object' || r === null) continue;
    const { apiVersion, kind } = r as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion === 'string' && typeof kind === 'string')
      out.set(`${apiVersion}/${kind}`, { apiVersion, kind });
  }
  return [...out.values()];
}

/** The owning CR's uid of an object we applied (label first, then a controller owner reference). */
export function ownerUidOf(obj: KubeObject): string | undefined {
  return (
    obj.metadata.labels?.[OWNER_UID_LABEL] ?? obj.metadata.ownerReferences?.find((r) => r.controller)?.uid
  );
}

/** Every owner uid `obj` names now or `old` named before (label and controller reference), deduplicated. */
export function ownerUidsOf(obj: KubeObject, old?: KubeObject): string[] {
  const uids = [obj, ...(old ? [old] : [])].flatMap((o) => [
    o.metadata.labels?.[OWNER_UID_LABEL],
    o.metadata.ownerReferences?.find((r) => r.controller)?.uid,
  ]);
  return [...new Set(uids.filter((u): u is string => typeof u === 'string' && u !== ''))];
}

/**
 * False only when the change from `before` to `now` (the writers of two versions of an owned object,
 * writersOf) was our own apply; true for anyone else's change (drift), a status update by a controller
 * (readiness), or when it cannot be told.
 *
 * A real API server stamps managedFields with whole seconds, so "the newest entry" is ambiguous when our
 * apply and someone's edit land in the same second. Instead, compare the entries of both versions: anyone
 * else's entry appearing or changing is their write; ours alone re-stamped is ours. An edit that only
 * removes fields we own adds no entry but shrinks ours without re-stamping it, so that counts as someone
 * else's. Erring towards "someone else" costs one no-op reconcile; erring the other way leaves drift until
 * the next resync.
 *
 * The status is not compared (status-less kinds are watched as metadata only; for the others,
 * ownedChangeOf compares the readiness verdict instead): a status write either changes its writer's
 * entry (new fields, or a new second) or leaves every entry as it was, and both count as someone else's. Only
 * a relist after 410 Gone that folds our apply and such a write into one update reads as ours; the next one
 * (or the periodic resync) catches up.
 */
export function changedBySomeoneElse(now: Writers, before: Writers): boolean {
  if (now.entries === 0) return true;
  if (now.others !== before.others) return true;
  return ourFieldsLost(now, before, true);
}

/**
 * Whether the fields our apply owns changed hands or went away between two versions of an owned object —
 * the only drift a reconcile would repair: server-side apply moves a field to whoever changes its value (an
 * Update, a forced apply) and drops a removed field from every owner, so either shrinks our managedFields
 * entry without re-stamping it, or removes it. Fields others add beside ours are not drift (applying again
 * changes nothing), so their entries are not looked at. `ambiguous` is the answer when our entry is exactly
 * as before (same second, same fields): nothing of ours moved.
 */
function ourFieldsLost(now: Writers, before: Writers, ambiguous: boolean): boolean {
  if (now.entries === 0) return true;
  if (!now.ours) return true;
  if (!before.ours) return false; // our first apply to an object someone else created
  if (now.ours.time !== before.ours.time) return false; // we wrote it (re-stamped)
  // Same second: our fields grew (our apply within the second), shrank (someone took or removed some) or not.
  if (now.ours.fields === before.ours.fields) return ambiguous;
  return isSubset(JSON.parse(now.ours.fields) as unknown, JSON.parse(before.ours.fields) as unknown);
}

/**
 * What a change to an owned object (two versions as the watcher keeps them) means for its owner's reconcile:
 * - `drift`: it may have changed what our apply wrote, so the owner is enqueued and its next reconcile reads
 *   every object (a verify mark, @lostromos/queue verify-marks);
 * - `readiness`: only its readiness verdict moved, so the owner is enqueued to report it; the reconcile may
 *   trust the status-less objects it applied before;
 * - undefined: nothing a reconcile would do differently.
 *
 * A kind whose readiness can change (watched whole, `readiness` kept): fields our apply owns changed hands or
 * went away → drift; else someone else's write moved the verdict (a controller's status write: a Deployment
 * becoming Available) → readiness. Everything else — a controller's status writes that leave the verdict as
 * it was, kube-controller-manager's revision annotation, anyone's fields beside ours — cannot change the
 * reconcile's outcome: each readiness change costs one re-check, however many status writes lead to it.
 * A status-less kind (metadata only): changedBySomeoneElse → drift.
 */
export function ownedChangeOf(now: KeptOwned, before: KeptOwned): 'drift' | 'readiness' | undefined {
  if (now.readiness === undefined || before.readiness === undefined)
    return changedBySomeoneElse(now.writers, before.writers) ? 'drift' : undefined;
  if (ourFieldsLost(now.writers, before.writers, false)) return 'drift';
  // A verdict our own apply moved (a Deployment's new generation not observed yet) is the one the reconcile
  // that applied it read in the apply's response: only someone else's write moving it is news.
  return now.readiness !== before.readiness && !byOurApply(now.writers, before.writers)
    ? 'readiness'
    : undefined;
}

/** Whether the write between two versions was our apply: our entry re-stamped or grown, no one else's moved. */
function byOurApply(now: Writers, before: Writers): boolean {
  if (now.entries === 0 || now.others !== before.others || !now.ours) return false;
  if (!before.ours || now.ours.time !== before.ours.time) return true;
  return now.ours.fields !== before.ours.fields && !ourFieldsLost(now, before, false);
}

/** Whether fieldsV1 set `a` is a strict subset of `b` (fields removed, none added). */
function isSubset(a: unknown, b: unknown): boolean {
  const keys = (v: unknown, prefix = ''): string[] =>
    v !== null && typeof v === 'object'
      ? Object.entries(v as Record<string, unknown>).flatMap(([k, c]) => [
          `${prefix}/${k}`,
          ...keys(c, `${prefix}/${k}`),
        ])
      : [];
  const ka = new Set(keys(a));
  const kb = new Set(keys(b));
  if (ka.size >= kb.size) return false;
  for (const k of ka) if (!kb.has(k)) return false;
  return true;
}

/** A CR this resource manages: it passes the filter annotation, or still holds our finalizer. */
export function isManaged(obj: KubeObject, s: FilterSettings): boolean {
  return actionForPresent(obj, s) === 'enqueue';
}

/**
 * One of the original tool's `releases_events_total`: an informer notification (add, update, delete, resync)
 * about a managed CR; an update counts when the CR is managed before or after it (a filter transition).
 */
export function isReleaseEvent(obj: KubeObject, old: KubeObject | undefined, s: FilterSettings): boolean {
  return isManaged(obj, s) || (old !== undefined && isManaged(old, s));
}

/** `ready` label of lostromos_managed_crs: the CR's Ready condition status. */
export type ReadyState = 'true' | 'false' | 'unknown';

export function readyStateOf(cr: KubeObject): ReadyState {
  const conds = (cr.status as { conditions?: unknown } | undefined)?.conditions;
  const ready = Array.isArray(conds)
    ? (conds as Array<{ type?: unknown; status?: unknown }>).find((c) => c?.type === 'Ready')
    : undefined;
  if (ready?.status === 'True') return 'true';
  if (ready?.status === 'False') return 'false';
  return 'unknown';
}

/** Managed CRs among `crs` by Ready state (every state present, 0 when none). */
export function countByReady(crs: readonly KubeObject[], s: FilterSettings): Record<ReadyState, number> {
  const counts: Record<ReadyState, number> = { true: 0, false: 0, unknown: 0 };
  for (const cr of crs) if (isManaged(cr, s)) counts[readyStateOf(cr)] += 1;
  return counts;
}
