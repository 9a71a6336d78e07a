export type { KubeObject, ObjectMeta, OwnerReference } from './kube-object.js';
export { RenderError, RENDER_ERROR_CODES, isRenderError, type RenderErrorCode } from './render-error.js';
export { escapeInvisible, quoteValue } from './quote-text.js';
export { loadTemplateSet, compileTemplateSet, type TemplateSet, type TemplateFile } from './template-set.js';
export { renderTemplateSet, type RenderInput } from './render-template-set.js';
export { watchTemplateSet } from './watch-template-set.js';
export {
  decodeFiles,
  encodeFiles,
  revisionWithValues,
  shortRevision,
  stableJson,
  type TemplateSnapshot,
} from './template-snapshot.js';
export {
  createResourceRenderer,
  createSnapshotRenderer,
  type ResourceRendererOptions,
  type SnapshotRendererOptions,
} from './resource-renderer.js';
export {
  engineFor,
  TEMPLATE_ENGINES,
  type EngineLoadOptions,
  type LoadedTemplates,
  type TemplateEngine,
  type WatchTarget,
} from './engines/index.js';
export type { ResourceRenderer, RenderLogger } from './renderer-types.js';
export { buildTemplateContext, type TemplateContext } from './template-context.js';
export { HELPER_NAMES, BUILTIN_HELPERS } from './helpers.js';
export { duplicateFinder, duplicateObjectError, LIMITS, validateObjects } from './validate-objects.js';
export { parseRenderedYaml, type ParsedDocument } from './parse-output.js';
export {
  createHelmRenderer,
  releaseNameFor,
  helmValuesFor,
  readValuesFiles,
  DEFAULT_RELEASE_PREFIX,
  type HelmChartRenderer,
  type HelmChartRendererOptions,
} from './helm/helm-renderer.js';
export { checkHelmBinary, parseHelmVersion, MIN_HELM_VERSION, type HelmBinary } from './helm/helm-binary.js';
export {
  resolveChart,
  defaultChartCacheDir,
  hashChartTree,
  readChartTree,
  type ChartSource,
} from './helm/chart-source.js';
export { ConcurrencyLimiter } from './helm/concurrency-limiter.js';
export { mergeValues, runHelmTemplate, type HelmTemplateResult } from './helm/helm-template.js';
