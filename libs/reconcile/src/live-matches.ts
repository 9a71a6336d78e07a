/**
 * True when every field of `desired` is present with an equal value in `live` (arrays compared element by
 * element, same length). Fields others added (defaults, status, other managers) are ignored, so this says
 * "applying `desired` again would change nothing we own". Server-side normalisation of a value (e.g. `0.5` →
 * `500m`) reads as a difference and costs one redundant, harmless apply. A `null` we render means "unset" in
 * server-side apply, so it matches an absent field.
 */
export function liveMatchesDesired(desired: unknown, live: unknown): boolean {
  if (desired === null) return live === null || live === undefined;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => liveMatchesDesired(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired).every(
      ([key, value]) => value === undefined || liveMatchesDesired(value, liveRecord[key]),
    );
  }
  return desired === live;
}
