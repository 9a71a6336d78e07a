import type { Condition } from './conditions.js';
import type { ObjectRef } from './kube-object.js';

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
}
