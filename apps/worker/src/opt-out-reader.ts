import { CLEANUP_FINALIZER, type ClusterReader, type CrKey, type KubeObject } from '@lostromos/reconcile';

/**
 * The original tool's opt-in `filterAnnotation`: a CR without the annotation is not ours. When we still hold
 * its finalizer (it opted out after we applied its objects), the reconcile sees it as being deleted, so its
 * objects are removed and the finalizer released — the "annotation removed → delete" transition. A CR that
 * never opted in reads as absent and is left alone.
 */
export function optOutReader(
  base: ClusterReader,
  filterAnnotation: string,
  now: () => Date = () => new Date(),
): ClusterReader {
  if (!filterAnnotation) return base;
  return {
    getObject: (ref) => base.getObject(ref),
    listOwned: (kind, uid, ns) => base.listOwned(kind, uid, ns),
    isNamespaced: (apiVersion, kind) => base.isNamespaced(apiVersion, kind),
    async getCr(key: CrKey, gvk): Promise<KubeObject | undefined> {
      const cr = await base.getCr(key, gvk);
      if (!cr || cr.metadata.annotations?.[filterAnnotation] !== undefined) return cr;
      if (!(cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return undefined;
      return {
        ...cr,
        metadata: { ...cr.metadata, deletionTimestamp: cr.metadata.deletionTimestamp ?? now().toISOString() },
      };
    },
  };
}
