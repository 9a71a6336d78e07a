import { escapeInvisible } from '@lostromos/render';
import { jsonEqual } from './canonical-json.js';
import { setCondition, type Condition, type ConditionStatus } from './conditions.js';
import type { KubeObject, ObjectRef } from './kube-object.js';
import type { ReadinessSummary } from './readiness.js';

/** What the last successful apply was computed from; drives the skip rule. */
export interface LastApplied {
  /** {@link renderHash} of the desired objects (includes the renderer revision). */
  renderHash: string;
  /** CR `metadata.generation` that was applied. */
  generation: number;
}

/** The part of a CR's `status` Lostrómos owns (written with a merge patch, other keys are left alone). */
export interface CrStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  /** Inventory: every object applied for this CR, in stable order. */
  resources?: ObjectRef[];
  lastApplied?: LastApplied;
  /** The template revision (first TEMPLATE_REVISION_LENGTH hex digits) the objects were last applied from. */
  templateRevision?: string;
}

/** How much of a template revision the status shows (and `lostromos.io/template-revision` needs at most). */
export const TEMPLATE_REVISION_LENGTH = 12;

/** Reasons Lostrómos writes on its conditions besides the error reasons of the registry (errors.ts). */
export const ConditionReasons = {
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

function isRef(value: unknown): value is ObjectRef {
  return (
    isRecord(value) &&
    typeof value.apiVersion === 'string' &&
    typeof value.kind === 'string' &&
    typeof value.name === 'string'
  );
}

/** Our fields of a CR's status, tolerating anything malformed someone else wrote there (dropped). */
export function statusOf(cr: KubeObject): CrStatus {
  const raw = isRecord(cr.status) ? cr.status : {};
  const status: CrStatus = {};
  if (typeof raw.observedGeneration === 'number') status.observedGeneration = raw.observedGeneration;
  if (Array.isArray(raw.conditions)) status.conditions = raw.conditions.filter(isCondition);
  if (Array.isArray(raw.resources)) status.resources = raw.resources.filter(isRef);
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
  resources?: ObjectRef[];
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
