/**
 * The inventory (`status.resources`), pure: the entries and their three forms, the seal that lets an apply trust
 * a recorded uid, and the rule that says when objects of the CR may exist beyond what the inventory names (only
 * then does prune search by label). docs/reconcile.md, "Inventory".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { compareRefs, refKey, toRef, type CrStatus, type InventoryEntry, type ObjectRef } from './model.js';

/** What an apply (or a read) of one object tells: its uid, and the hash of what this CR renders for it. */
export interface ObjectFacts {
  uid?: string;
  hash: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One entry as stored, or undefined when it is no ref at all; malformed facts are dropped (a bare ref). */
export function parseEntry(value: unknown): InventoryEntry | undefined {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    typeof value.name !== 'string' ||
    (value.namespace !== undefined && typeof value.namespace !== 'string')
  )
    return undefined;
  const entry: InventoryEntry = toRef(value as unknown as ObjectRef);
  if (value.pending === true) return { ...entry, pending: true };
  if (typeof value.uid === 'string' && value.uid !== '' && typeof value.hash === 'string') {
    entry.uid = value.uid;
    entry.hash = value.hash;
    if (typeof value.seal === 'string') entry.seal = value.seal;
  }
  return entry;
}

/**
 * Tracked: applied with its facts recorded, or pending. An inventory of tracked entries names every object of
 * the CR that can exist; a bare ref (an earlier version wrote it) promises nothing about objects beside it.
 */
export function isTracked(entry: InventoryEntry): boolean {
  return entry.pending === true || (entry.uid !== undefined && entry.hash !== undefined);
}

const SEAL_LENGTH = 22; // 132 bits of HMAC-SHA256, base64url

/**
 * The seal of an applied entry: HMAC-SHA256 under the workers' inventory key over the CR's uid, the ref, the
 * object's uid and hash. Anyone who can write the CR's status can write an entry, but only a worker can seal
 * one, so a forged uid never directs an apply at an object that is not this CR's.
 */
export function sealOf(key: string, crUid: string, entry: ObjectRef & { uid: string; hash: string }): string {
  return createHmac('sha256', key)
    .update([crUid, refKey(entry), entry.uid, entry.hash].join('\u0000'))
    .digest('base64url')
    .slice(0, SEAL_LENGTH);
}

/** The recorded uid when the entry's seal verifies under `key`; undefined otherwise (no key, no seal, forged). */
export function trustedUid(
  entry: InventoryEntry,
  key: string | undefined,
  crUid: string,
): string | undefined {
  if (!key || !entry.seal || entry.uid === undefined || entry.hash === undefined) return undefined;
  const expected = Buffer.from(sealOf(key, crUid, { ...entry, uid: entry.uid, hash: entry.hash }));
  const actual = Buffer.from(entry.seal);
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? entry.uid : undefined;
}

/**
 * The entry for an object this reconcile applied or verified: its facts, sealed when there is a key. Without
 * `tracked` (orphans were possible and not searched for) it is a bare ref, so the next reconcile still searches.
 */
export function appliedEntry(
  ref: ObjectRef,
  facts: ObjectFacts,
  opts: { key: string | undefined; crUid: string; tracked: boolean },
): InventoryEntry {
  const entry: InventoryEntry = toRef(ref);
  if (!opts.tracked || !facts.uid) return entry;
  const applied = { ...entry, uid: facts.uid, hash: facts.hash };
  return opts.key ? { ...applied, seal: sealOf(opts.key, opts.crUid, applied) } : applied;
}

/**
 * Whether objects labelled as this CR's may exist that its inventory does not name — the orphans of an apply
 * interrupted before its status write. Only then does prune search for them by label (a LIST per kind):
 * - never for a CR seen for the first time: it got our finalizer in this reconcile (the finalizer comes before
 *   any apply) and its status records nothing applied;
 * - always when no apply ever completed (`lastApplied` absent: a first reconcile may have been interrupted),
 *   when the inventory is empty (it cannot tell who wrote it) or holds a bare ref (an earlier version, or an
 *   apply that did not search either);
 * - otherwise never: since the first completed apply, every object is recorded (pending) before it is applied.
 */
export function orphansPossible(status: CrStatus, opts: { firstSeen: boolean }): boolean {
  if (opts.firstSeen) return false;
  const entries = status.resources ?? [];
  if (!status.lastApplied || entries.length === 0) return true;
  return entries.some((entry) => !isTracked(entry));
}

/** Refs the inventory does not name yet, as pending entries (the write-ahead before their first apply). */
export function pendingEntries(
  entries: readonly InventoryEntry[],
  refs: readonly ObjectRef[],
): InventoryEntry[] {
  const known = new Set(entries.map(refKey));
  return refs.filter((ref) => !known.has(refKey(ref))).map((ref) => ({ ...toRef(ref), pending: true }));
}

/** The inventory with `updates` replacing entries of the same identity, deduplicated, in stable order. */
export function mergeInventory(
  previous: readonly InventoryEntry[],
  updates: readonly InventoryEntry[],
): InventoryEntry[] {
  const byKey = new Map<string, InventoryEntry>();
  for (const entry of [...previous, ...updates]) byKey.set(refKey(entry), entry);
  return [...byKey.values()].sort(compareRefs);
}
