import type { CrKey } from './kube-object.js';

/**
 * `group/plural/namespace/name` (the namespace segment empty for cluster-scoped CRs): the queue job key, the
 * `cr=` of every log line and the dashboard's CR id. It names the resource although each queue holds one
 * resource, so a key means the same thing wherever it is read (logs, the cross-queue failing-CR list).
 */
export function formatCrKey(key: CrKey): string {
  return `${key.group}/${key.plural}/${key.namespace}/${key.name}`;
}

/** The inverse of {@link formatCrKey}; throws on anything else. */
export function parseCrKey(text: string): CrKey {
  const parts = text.split('/');
  const [group, plural, namespace, name] = parts;
  if (parts.length !== 4 || group === undefined || !plural || namespace === undefined || !name) {
    throw new Error(`invalid CR key "${text}": expected group/plural/namespace/name`);
  }
  return { group, plural, namespace, name };
}

/** Like {@link parseCrKey}, but undefined instead of an error (for display code). */
export function tryParseCrKey(text: string): CrKey | undefined {
  try {
    return parseCrKey(text);
  } catch {
    return undefined;
  }
}
