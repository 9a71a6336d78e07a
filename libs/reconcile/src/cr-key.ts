import type { CrKey } from './kube-object.js';

/** `group/plural/namespace/name`; the namespace segment is empty for cluster-scoped CRs. */
export function formatCrKey(key: CrKey): string {
  return `${key.group}/${key.plural}/${key.namespace}/${key.name}`;
}

export function parseCrKey(text: string): CrKey {
  const parts = text.split('/');
  const [group, plural, namespace, name] = parts;
  if (parts.length !== 4 || group === undefined || !plural || namespace === undefined || !name) {
    throw new Error(`invalid CR key "${text}": expected group/plural/namespace/name`);
  }
  return { group, plural, namespace, name };
}
