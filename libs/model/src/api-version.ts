/** The one apiVersion parser: `v1` → core group (""), `apps/v1` → group apps, version v1. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** The inverse of {@link splitApiVersion}; the group "" or "core" gives a bare version. */
export function joinApiVersion(group: string, version: string): string {
  return group === '' || group === 'core' ? version : `${group}/${version}`;
}

/** API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  return splitApiVersion(apiVersion).group;
}

/** Version of an apiVersion: `apps/v1` → `v1`, `v1` → `v1`. */
export function versionOf(apiVersion: string): string {
  return splitApiVersion(apiVersion).version;
}
