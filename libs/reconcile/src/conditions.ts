export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A metav1.Condition as written to CR status. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** The condition to set; `lastTransitionTime` is derived by {@link setCondition}. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

/** Condition types Lostrómos writes. */
export const ConditionTypes = {
  /** The rendered objects were applied (and stale ones pruned) for the observed generation. */
  Reconciled: 'Reconciled',
  /** Every applied object is ready by kstatus rules. */
  Ready: 'Ready',
} as const;

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
