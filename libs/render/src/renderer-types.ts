import type { KubeObject } from './kube-object.js';
import type { TemplateSnapshot } from './template-snapshot.js';

/** Renders the CRs of one configured resource; the worker holds one per resource. */
export interface ResourceRenderer {
  render(cr: KubeObject): Promise<KubeObject[]>;
  /** Changes when the templates (or chart) change: a new revision means every CR should re-render. */
  readonly revision: string;
  /** Renders run and renders re-used from memory for an unchanged CR (resource-renderer.ts). */
  readonly stats?: { renders: number; reused: number };
  /** The source of the current revision, for the template store; undefined while broken or not captured. */
  readonly snapshot?: TemplateSnapshot;
  close(): Promise<void>;
}

/** pino-compatible subset. */
export interface RenderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
