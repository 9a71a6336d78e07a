/**
 * Where rendered objects may go. Defaults (empty/false): only the CR's own namespace, no cluster-scoped kinds,
 * any kind.
 */
export interface AllowPolicy {
  /** Extra namespaces objects may be placed in besides the CR's own; `"*"` permits every namespace. */
  namespaces?: readonly string[];
  /** Permit cluster-scoped kinds (Namespace, ClusterRole, CRDs, …). */
  clusterScoped?: boolean;
  /** When non-empty, only these kinds: `Kind` (any group) or `group/Kind` (`core/Kind` for the core group). */
  kinds?: readonly string[];
}

/**
 * The part of `@lostromos/config`'s `ResourceConfig` the reconcile needs. Declared here, narrowly, so this
 * library does not depend on the config package; the real config type fits structurally.
 */
export interface ReconcileResource {
  /** Config resource name: queue name, metrics label and the `lostromos.io/resource` label value. */
  name: string;
  group: string;
  version: string;
  plural: string;
  /** The CR kind when known (discovery fills it otherwise). */
  kind?: string;
  allow?: AllowPolicy;
  /** Opt-in annotation key: CRs without it are not ours (see crMembership). "" or absent = every CR. */
  filterAnnotation?: string;
}
