import type { OperatorMetrics } from '@lostromos/observability';
import type { CrRenderer, KubeObject } from '@lostromos/reconcile';

/** The wrapper reconcile() adds around renderer errors; the renderer's own code (in the cause) is the reason. */
const WRAPPER_CODES = new Set(['LZ_RENDER_FAILED']);

/**
 * `reason` label of lostromos_render_errors_total: the renderer's error code (e.g. `LZ_RENDER_YAML`,
 * `LZ_HELM_CHART`), looked up through the cause chain past reconcile's generic `LZ_RENDER_FAILED`
 * wrapper; `LZ_RENDER_FAILED` when only the wrapper has a code, `unknown` when nothing has.
 */
export function renderErrorReason(err: unknown): string {
  let wrapper: string | undefined;
  const seen = new Set<unknown>();
  for (let e: unknown = err; typeof e === 'object' && e !== null && !seen.has(e);) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') {
      if (!WRAPPER_CODES.has(code)) return code;
      wrapper ??= code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return wrapper ?? 'unknown';
}

/**
 * The renderer as reconcile() sees it, timing every render into lostromos_render_duration_seconds and counting
 * failures in lostromos_render_errors_total{controller,reason}. The error itself is passed on unchanged.
 */
export function measuredRenderer(
  renderer: CrRenderer,
  controller: string,
  metrics: Pick<OperatorMetrics, 'renderSeconds' | 'renderErrors'>,
  now: () => number = () => performance.now(),
): CrRenderer {
  return {
    get revision() {
      return renderer.revision;
    },
    async render(cr: KubeObject): Promise<KubeObject[]> {
      const started = now();
      try {
        return await renderer.render(cr);
      } catch (err) {
        metrics.renderErrors.inc({ controller, reason: renderErrorReason(err) });
        throw err;
      } finally {
        metrics.renderSeconds.observe({ controller }, Math.max(0, (now() - started) / 1000));
      }
    },
  };
}

/** The renderer, telling `onKinds` the `apiVersion/Kind` of every object each render produced. */
export function kindsRecorder(renderer: CrRenderer, onKinds: (kinds: string[]) => void): CrRenderer {
  return {
    get revision() {
      return renderer.revision;
    },
    async render(cr: KubeObject): Promise<KubeObject[]> {
      const objects = await renderer.render(cr);
      onKinds([...new Set(objects.map((o) => `${o.apiVersion}/${o.kind}`))]);
      return objects;
    },
  };
}
