/** Annotation that pins one CR to a template revision (a prefix of it, e.g. the 12 digits status shows). */
export const TEMPLATE_REVISION_ANNOTATION = 'lostromos.io/template-revision';

/** Revisions are sha256 hex: a pin needs at least this many digits to mean one of them. */
export const MIN_PIN_LENGTH = 6;

/** What a worker knows of the resource's rollout when it renders one CR. */
export interface RolloutView {
  stable: string;
  target: string;
  /** A rollout (or an undo) is moving CRs from stable to target; false: every CR is on stable. */
  active: boolean;
  /** The rollout controller moved this CR to the target (it is in a wave that started). */
  promoted: boolean;
}

export interface RevisionChoiceInput {
  resource: string;
  /** The CR's `lostromos.io/template-revision` annotation, if set. */
  pin?: string;
  /** Stored revisions, newest first (needed to resolve a pin). */
  stored: readonly string[];
  /** The resource's rollout state; undefined when the resource has no staged rollout (or none started yet). */
  rollout?: RolloutView;
  /** The revision the CR's status says it is on (`status.templateRevision`, short). */
  current?: string;
  /** The revision this worker loaded from its own files. */
  local: string;
}

export type RevisionChoiceReason = 'pinned' | 'promoted' | 'on-target' | 'new' | 'stable' | 'local';

export type RevisionChoice =
  { revision: string; reason: RevisionChoiceReason } | { error: string; reason: 'pinned' };

const short = (r: string): string => r.slice(0, 12);

/**
 * What a revision prefix (a pin, `lostromos diff --revision`) names among the stored revisions: its
 * (case-insensitive, trimmed) value must be at least MIN_PIN_LENGTH hex digits and the start of exactly one
 * of them. `prefix` is the normalised value.
 */
export type RevisionPrefixMatch =
  | { revision: string }
  | { problem: 'malformed'; prefix: string }
  | { problem: 'ambiguous'; prefix: string; candidates: string[] }
  | { problem: 'unknown'; prefix: string };

/** True when `text` has the shape of a revision prefix (whatever is stored). */
export function isRevisionPrefix(text: string): boolean {
  const value = text.trim().toLowerCase();
  return /^[0-9a-f]+$/.test(value) && value.length >= MIN_PIN_LENGTH;
}

/** The one stored revision (newest first) that `text` is a prefix of, or why there is none. */
export function matchRevisionPrefix(text: string, stored: readonly string[]): RevisionPrefixMatch {
  const prefix = text.trim().toLowerCase();
  if (!isRevisionPrefix(prefix)) return { problem: 'malformed', prefix };
  const candidates = stored.filter((r) => r.startsWith(prefix));
  if (candidates.length === 1) return { revision: candidates[0]! };
  return candidates.length > 1
    ? { problem: 'ambiguous', prefix, candidates }
    : { problem: 'unknown', prefix };
}

/**
 * The stored revision a pin names (see matchRevisionPrefix). Otherwise a message saying what is wrong and
 * which values would work.
 */
export function resolvePin(
  pin: string,
  stored: readonly string[],
  resource: string,
): { revision: string } | { error: string } {
  const known =
    stored.length === 0
      ? 'no revision is stored yet'
      : `stored revisions, newest first: ${stored
          .slice(0, 5)
          .map(short)
          .join(', ')}${stored.length > 5 ? ', …' : ''}`;
  const fix = `set it to one of them (\`lostromos rollout status --resource ${resource}\` lists them) or remove it`;
  const match = matchRevisionPrefix(pin, stored);
  if ('revision' in match) return match;
  const annotation = `annotation ${TEMPLATE_REVISION_ANNOTATION}=${JSON.stringify(pin)}`;
  switch (match.problem) {
    case 'malformed':
      return {
        error: `${annotation} is not a template revision (at least ${MIN_PIN_LENGTH} hex digits, e.g. the 12 that status.templateRevision shows; ${known}): ${fix}`,
      };
    case 'ambiguous':
      return {
        error: `${annotation} matches ${match.candidates.length} stored revisions of resource ${resource} (${match.candidates.map(short).join(', ')}): give more digits`,
      };
    case 'unknown':
      return {
        error: `${annotation} names no stored template revision of resource ${resource} (${known}): ${fix}`,
      };
  }
}

/**
 * Which template revision one CR renders with, in order:
 * 1. a pin (`lostromos.io/template-revision`) — a revision it does not name is an error, never a fallback;
 * 2. an active rollout: the target for CRs the controller promoted, CRs already on the target and CRs never
 *    rendered yet (new CRs get the new revision at once); the stable revision for the others;
 * 3. a resource with a rollout state but none in progress: its stable revision (the last one rolled out);
 * 4. otherwise the revision this worker loaded (no staged rollout: every CR follows the newest templates).
 */
export function chooseRevision(input: RevisionChoiceInput): RevisionChoice {
  if (input.pin !== undefined) {
    const pinned = resolvePin(input.pin, input.stored, input.resource);
    return 'error' in pinned
      ? { error: pinned.error, reason: 'pinned' }
      : { revision: pinned.revision, reason: 'pinned' };
  }
  const r = input.rollout;
  if (!r) return { revision: input.local, reason: 'local' };
  if (!r.active) return { revision: r.stable, reason: 'stable' };
  if (r.promoted) return { revision: r.target, reason: 'promoted' };
  if (input.current !== undefined && input.current === short(r.target))
    return { revision: r.target, reason: 'on-target' };
  if (input.current === undefined) return { revision: r.target, reason: 'new' };
  return { revision: r.stable, reason: 'stable' };
}
