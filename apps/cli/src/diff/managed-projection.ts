/**
 * The part of an object that one field manager owns, from its managedFields `fieldsV1` set (server-side
 * apply's field ownership): `f:<name>` a map key, `k:<json>` a list item by its key fields, `v:<json>` a set
 * item, `i:<n>` an item by index, `.` the node itself. What Lostrómos manages is what `lostromos diff` shows:
 * fields others own (a controller's status, defaults, annotations added by users) are not ours to change.
 */
export type FieldSet = { [key: string]: FieldSet };

export function project(value: unknown, set: FieldSet | undefined): unknown {
  if (set === undefined) return undefined;
  const keys = Object.keys(set).filter((k) => k !== '.');
  if (keys.length === 0) return value; // a leaf, or a whole node we own
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const k of keys) {
      if (k.startsWith('k:')) {
        const match = JSON.parse(k.slice(2)) as Record<string, unknown>;
        const item: unknown = (value as unknown[]).find(
          (v) =>
            typeof v === 'object' &&
            v !== null &&
            Object.entries(match).every(
              ([mk, mv]) => JSON.stringify((v as Record<string, unknown>)[mk]) === JSON.stringify(mv),
            ),
        );
        if (item !== undefined) items.push(project(item, set[k]));
      } else if (k.startsWith('v:')) {
        const v = JSON.parse(k.slice(2)) as unknown;
        if (value.some((x) => JSON.stringify(x) === JSON.stringify(v))) items.push(v);
      } else if (k.startsWith('i:')) {
        const idx = Number(k.slice(2));
        if (idx < value.length) items.push(project(value[idx], set[k]));
      }
    }
    return items;
  }
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (!k.startsWith('f:')) continue;
    const name = k.slice(2);
    const child = (value as Record<string, unknown>)[name];
    if (child === undefined) continue;
    out[name] = project(child, set[k]);
  }
  return out;
}

/** The fieldsV1 of `manager`'s Apply entry (no subresource), if the object has one. */
export function appliedFieldsOf(obj: { metadata?: object }, manager: string): FieldSet | undefined {
  const meta = obj.metadata as { managedFields?: unknown } | undefined;
  const entries = (meta?.managedFields ?? []) as Array<{
    manager?: string;
    operation?: string;
    subresource?: string;
    fieldsV1?: FieldSet;
  }>;
  return entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource)?.fieldsV1;
}
