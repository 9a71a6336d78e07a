import { isRevisionPrefix, matchRevisionPrefix, MIN_PIN_LENGTH, type RevisionEntry } from '@lostromos/queue';

/** Where the lookup happened, for the messages. */
export interface StoredRevisionContext {
  /** The config's resource name. */
  resource: string;
  /** Redis, without credentials (describeRedis). */
  where: string;
  /** The config's redis.prefix. */
  prefix: string;
}

/** How many stored revisions a message lists. */
const LISTED = 5;

/** The message for a `--revision` value that cannot be a revision (a usage error); undefined when it can. */
export function revisionFlagProblem(value: string, resource: string): string | undefined {
  if (isRevisionPrefix(value)) return undefined;
  return `--revision ${JSON.stringify(value)} is not a template revision: give at least ${MIN_PIN_LENGTH} hex digits of one (the 12 that a CR's status.templateRevision shows, or one that \`lostromos rollout status --resource ${resource}\` lists)`;
}

/** Digits that tell the listed revisions apart: 12 (as status shows them) or more when 12 do not. */
function digitsFor(revisions: readonly string[]): number {
  for (let n = 12; n < 64; n++)
    if (new Set(revisions.map((r) => r.slice(0, n))).size === revisions.length) return n;
  return 64;
}

function listed(entries: readonly RevisionEntry[]): string {
  const n = digitsFor(entries.map((e) => e.revision));
  return entries
    .map(
      (e) =>
        `  ${e.revision.slice(0, n)}  stored ${new Date(e.storedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    )
    .join('\n');
}

/**
 * The stored revision a `--revision` prefix names in a resource's history (newest first), with the prefix rules
 * of the pin annotation (matchRevisionPrefix); otherwise a message saying what is stored and what to give.
 */
export function findStoredRevision(
  value: string,
  history: readonly RevisionEntry[],
  ctx: StoredRevisionContext,
): { revision: string } | { error: string } {
  const match = matchRevisionPrefix(
    value,
    history.map((e) => e.revision),
  );
  if ('revision' in match) return match;
  const flag = `--revision ${match.prefix}`;
  const store = `Redis at ${ctx.where}, prefix "${ctx.prefix}"`;
  const all = `\`lostromos rollout status --resource ${ctx.resource}\` lists them all`;
  switch (match.problem) {
    case 'malformed':
      return { error: revisionFlagProblem(value, ctx.resource)! };
    case 'ambiguous': {
      const entries = history.filter((e) => match.candidates.includes(e.revision));
      return {
        error: `${flag} matches ${entries.length} stored template revisions of resource ${ctx.resource}:\n${listed(entries)}\ngive more digits`,
      };
    }
    case 'unknown': {
      if (history.length === 0) {
        return {
          error: `${flag}: no template revision of resource ${ctx.resource} is stored (${store}): a worker stores every revision it loads; is the operator running with the same redis.url and redis.prefix as this config?`,
        };
      }
      const more = history.length > LISTED ? `\n  … ${history.length - LISTED} older (${all})` : '';
      return {
        error: `${flag} names no stored template revision of resource ${ctx.resource} (${store}); the newest stored:\n${listed(history.slice(0, LISTED))}${more}\ngive one of them (${MIN_PIN_LENGTH} or more of its digits); the history keeps the last revisions the workers loaded, older ones are trimmed`,
      };
    }
  }
}
