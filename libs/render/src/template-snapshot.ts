import { createHash } from 'node:crypto';

/**
 * The source of one template revision, complete enough for any worker to render it without the files on its
 * own disk: the files (path relative to the template folder or chart root, content base64) in the order the
 * engine read them, and the values the revision renders with. Workers store it in Redis (@lostromos/queue
 * TemplateStore), so a CR can be rendered with the revision it is on while the pods' folders hold another.
 */
export interface TemplateSnapshot {
  /** The engine that renders it (`handlebars`, `helm`). */
  engine: string;
  /** Content-addressed: equal snapshots have equal revisions, on every worker. */
  revision: string;
  files: Array<[path: string, base64: string]>;
  /** Handlebars: the resource's `values`; Helm: valuesFrom files and `values` merged, as the chart gets them. */
  values: Record<string, unknown>;
  /** Where it was loaded from, for people (a folder, a chart reference). */
  source: string;
}

/** JSON with keys sorted at every level: equal values, equal text. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value)) ?? 'null';
}

/**
 * The revision of a Handlebars template set rendered with `values`: the files' hash alone when there are no
 * values (so revisions of value-less resources stay what they were), else the hash of both — a change of
 * the resource's values changes what every CR renders, so it is a new revision too.
 */
export function revisionWithValues(filesRevision: string, values: Record<string, unknown>): string {
  if (Object.keys(values).length === 0) return filesRevision;
  return createHash('sha256')
    .update(filesRevision)
    .update('\0values\0')
    .update(stableJson(values))
    .digest('hex');
}

/** Files as a snapshot stores them. */
export function encodeFiles(files: Iterable<readonly [string, string | Buffer]>): Array<[string, string]> {
  return [...files].map(([p, c]) => [p, Buffer.from(c).toString('base64')]);
}

/** A snapshot's files back as bytes. */
export function decodeFiles(snapshot: Pick<TemplateSnapshot, 'files'>): Array<[string, Buffer]> {
  return snapshot.files.map(([p, c]) => [p, Buffer.from(c, 'base64')]);
}

/** A snapshot's revision cut to the length people read and annotations name (the first 12 hex digits). */
export function shortRevision(revision: string): string {
  return revision.slice(0, 12);
}
