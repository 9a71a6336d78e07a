import { tryParseCrKey } from '@lostromos/model';

/**
 * `namespace/name` of a CR key (`group/plural/namespace/name`), as kubectl shows it; just `name` for a
 * cluster-scoped CR (empty namespace). A key of another shape is returned as it is.
 */
export function crLabel(key: string): string {
  const parsed = tryParseCrKey(key);
  if (!parsed) return key;
  return parsed.namespace ? `${parsed.namespace}/${parsed.name}` : parsed.name;
}

/** The part of a Bull Board job (BullMQ `Job.toJSON()`) the title reads. */
export interface JobTitleInput {
  name?: unknown;
  data?: unknown;
  returnvalue?: unknown;
}

/**
 * The name Bull Board shows on a job card: the CR it reconciles, then the trigger (the BullMQ job name: event,
 * new, resync, requeue, relist, templates), then, for a job that completed with a permanent failure, the reason the
 * CR's Ready condition carries: `default/ahab (resync)`, `default/broken (event) — failed: RenderFailed`.
 */
export function jobTitle(job: JobTitleInput): string {
  const trigger = typeof job.name === 'string' ? job.name : '';
  const key = (job.data as { key?: unknown } | null | undefined)?.key;
  if (typeof key !== 'string' || key === '') return trigger;
  const title = trigger ? `${crLabel(key)} (${trigger})` : crLabel(key);
  const error = (job.returnvalue as { error?: { reason?: unknown; code?: unknown } } | null | undefined)
    ?.error;
  if (!error) return title;
  const reason =
    typeof error.reason === 'string' ? error.reason : typeof error.code === 'string' ? error.code : 'error';
  return `${title} — failed: ${reason}`;
}
