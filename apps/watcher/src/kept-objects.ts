import { createHash } from 'node:crypto';
import type { KubeObject } from '@lostromos/kube';
import { FIELD_MANAGER, OWNER_UID_LABEL, readinessCanChange, readinessVerdict } from '@lostromos/reconcile';

/**
 * What the watcher keeps of the objects it watches (its informers' transforms, like client-go's SetTransform):
 * exactly what its predicates, indexes and gauges read, so that memory grows with the number of objects, not
 * with their size. controller-runtime drops managedFields the same way; kro keeps metadata alone.
 */

/** kubectl apply's second copy of the whole object (templates never see it either: renderInputOf). */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Metadata that is never a reason to reconcile: bookkeeping (managedFields, selfLink; resourceVersion is kept
 * for the informer's relist diff), what never changes after create (creationTimestamp, generateName).
 */
const CR_META_DROPPED = new Set(['managedFields', 'selfLink', 'creationTimestamp', 'generateName']);

/**
 * A CR as the watcher keeps it. Kept: its metadata (the filter annotation and finalizer, generation,
 * deletionTimestamp, labels and annotations — templates read them, so a change must enqueue — uid and
 * resourceVersion), and of its status the Ready condition (type, status, message) and templateRevision, which
 * lostromos_managed_crs and the staged rollout read. Dropped: spec (every spec change bumps
 * metadata.generation, which is kept and compared), the rest of the status (inventory, other conditions: the
 * worker reads the CR itself), managedFields and the other metadata above, kubectl's last-applied annotation.
 *
 * The watcher needs that status, so CRs are listed and watched whole and trimmed on arrival; owned objects,
 * of which it needs no spec, data or status, are listed and watched as metadata only (see keptOwned).
 */
export function keptCr(obj: KubeObject): KubeObject {
  const m = obj.metadata;
  // One literal, so every kept CR has one shape and V8 stores these fields inside the object (absent = undefined,
  // which JSON.stringify and the predicates read as absent).
  const metadata: KubeObject['metadata'] = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    deletionTimestamp: m.deletionTimestamp,
    labels: m.labels,
    annotations: m.annotations && withoutLastApplied(m.annotations),
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
  };
  // Any other metadata (deletionGracePeriodSeconds, …) is kept too: templates may read it.
  for (const [k, v] of Object.entries(m))
    if (!(k in metadata) && !CR_META_DROPPED.has(k) && v !== undefined) metadata[k] = v;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata, status: keptStatus(obj.status) };
}

function withoutLastApplied(a: Record<string, string>): Record<string, string> | undefined {
  if (!(LAST_APPLIED in a)) return a;
  const rest = Object.fromEntries(Object.entries(a).filter(([k]) => k !== LAST_APPLIED));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

function keptStatus(raw: unknown): Record<string, unknown> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const s = raw as { conditions?: unknown; templateRevision?: unknown };
  const out: Record<string, unknown> = {};
  const ready = Array.isArray(s.conditions)
    ? (s.conditions as unknown[]).find(
        (c): c is { type: string; status: unknown; message?: unknown } =>
          typeof c === 'object' && c !== null && (c as { type?: unknown }).type === 'Ready',
      )
    : undefined;
  if (ready && typeof ready.status === 'string') {
    const c: Record<string, string> = { type: 'Ready', status: ready.status };
    if (typeof ready.message === 'string' && ready.message) c.message = ready.message;
    out.conditions = [c];
  }
  if (typeof s.templateRevision === 'string') out.templateRevision = s.templateRevision;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Who wrote an owned object, reduced to what changedBySomeoneElse compares: every other writer's
 * managedFields entry (manager, operation, subresource, time, fields) as one digest, and our apply's entry.
 */
export interface Writers {
  /** Digest of the entries of everyone but our apply ("" when there are none). */
  others: string;
  /** Our apply's entry: when the server stamped it (whole seconds) and its FieldsV1 as JSON text. */
  ours?: { time: string; fields: string };
  /** How many managedFields entries there were (0: the server sent none, nothing can be told). */
  entries: number;
}

/** An owned object as the watcher keeps it. */
export interface KeptOwned extends KubeObject {
  writers: Writers;
  /**
   * The object's readiness verdict (readinessVerdict) when its kind has a status the readiness rules read
   * (it is then watched whole); absent for the status-less kinds watched as metadata only.
   */
  readiness?: string;
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/** Our own server-side apply to the main resource (never a status or other subresource write). */
export function isOurApply(e: ManagedFieldsEntry): boolean {
  return e.manager === FIELD_MANAGER && e.operation === 'Apply' && !e.subresource;
}

export function writersOf(obj: KubeObject): Writers {
  const entries = Array.isArray(obj.metadata.managedFields)
    ? (obj.metadata.managedFields as ManagedFieldsEntry[])
    : [];
  const others = entries
    .filter((e) => !isOurApply(e))
    .map((e) => JSON.stringify([e.manager, e.operation, e.subresource, e.time, e.fieldsV1]))
    .sort();
  const ours = entries.find(isOurApply);
  return {
    others: others.length > 0 ? createHash('sha256').update(others.join('\n')).digest('base64url') : '',
    ...(ours ? { ours: { time: ours.time ?? '', fields: JSON.stringify(ours.fieldsV1 ?? null) } } : {}),
    entries: entries.length,
  };
}

/**
 * An owned object as the watcher keeps it: name, namespace, uid, resourceVersion, the owner-uid label and the
 * controller owner reference (ownerUidsOf), its writers (ownedChangeOf) and, for a kind whose readiness
 * can change, its readiness verdict — computed here from the whole object as it arrives, the only thing the
 * watcher takes from its spec and status. Status-less kinds (ConfigMaps, Secrets, …) are listed and watched as
 * metadata only (PartialObjectMetadata).
 */
export function keptOwned(obj: KubeObject): KeptOwned {
  const m = obj.metadata;
  const metadata: KubeObject['metadata'] = {};
  if (m.name !== undefined) metadata.name = m.name;
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  const ownerUid = m.labels?.[OWNER_UID_LABEL];
  if (ownerUid !== undefined) metadata.labels = { [OWNER_UID_LABEL]: ownerUid };
  const controller = m.ownerReferences?.find((r) => r.controller);
  if (controller) metadata.ownerReferences = [controller];
  const kept: KeptOwned = { apiVersion: obj.apiVersion, kind: obj.kind, metadata, writers: writersOf(obj) };
  // `ready`, nearly every object's verdict, is one string literal: shared by every kept object already.
  if (readinessCanChange(obj.apiVersion, obj.kind)) kept.readiness = readinessVerdict(obj);
  return kept;
}
