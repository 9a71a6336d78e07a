import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { Logger } from '@lostromos/observability';
import { RenderFailedError, type CrRenderer, type KubeObject } from '@lostromos/reconcile';
import {
  createResourceRenderer,
  watchTemplateSet,
  type ResourceRenderer,
  type TemplateSnapshot,
} from '@lostromos/render';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The renderer of one resource, reloading when its template folder changes. When the templates are broken at
 * start-up the worker still runs: every render fails with that error (status + Warning Event on each CR) and
 * the next render tries to load them again.
 */
export class ResilientRenderer implements CrRenderer {
  private inner: ResourceRenderer | undefined;
  private failure: Error | undefined;
  private loading: Promise<void> | undefined;
  /** While the templates fail to load: watches them, so a fix reloads (and reports a new revision) at once. */
  private retryWatch: AbortController | undefined;

  constructor(
    private readonly resource: ResourceConfig,
    private readonly helm: LostromosConfig['helm'],
    private readonly logger: Logger,
    /** Called whenever the revision this renderer renders with may have changed (load, reload, failure). */
    private readonly onRevision: (revision: string) => void = () => undefined,
  ) {}

  get revision(): string {
    return this.inner?.revision ?? `error:${this.failure?.message ?? 'not loaded'}`;
  }

  /** The files and values of the current revision, for the template store. */
  get snapshot(): TemplateSnapshot | undefined {
    return this.inner?.snapshot;
  }

  async load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.inner = await createResourceRenderer(this.resource, {
          helm: this.helm,
          watch: true,
          logger: this.logger,
          onChange: () => this.onRevision(this.revision),
        });
        this.failure = undefined;
        this.retryWatch?.abort();
        this.retryWatch = undefined;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.failure = error;
        this.logger.error(
          { err: error, resource: this.resource.name },
          'templates failed to load; renders fail until fixed',
        );
        this.watchUntilFixed();
      } finally {
        this.loading = undefined;
        this.onRevision(this.revision);
      }
    })();
    await this.loading;
  }

  async render(cr: KubeObject): Promise<KubeObject[]> {
    // While broken, every render tries again: only CR or template changes bring jobs, so this is no storm.
    if (!this.inner) await this.load();
    if (!this.inner) {
      throw new RenderFailedError(
        `templates of resource ${this.resource.name} failed to load: ${this.failure?.message ?? 'unknown error'}`,
        {
          cause: this.failure,
        },
      );
    }
    return this.inner.render(cr);
  }

  private watchUntilFixed(): void {
    if (this.retryWatch) return;
    const target = this.resource.templates ?? this.resource.helm?.chart;
    const stat = target ? fs.statSync(target, { throwIfNoEntry: false }) : undefined;
    if (!target || !stat) return; // a remote chart, or nothing there yet: the next render retries
    const controller = new AbortController();
    this.retryWatch = controller;
    try {
      watchTemplateSet(stat.isDirectory() ? target : path.dirname(target), () => void this.load(), {
        signal: controller.signal,
        debounceMs: 300,
        recursive: stat.isDirectory() && !!this.resource.helm,
        ...(stat.isDirectory() ? {} : { only: path.basename(target) }),
        onError: (err) =>
          this.logger.warn({ err, resource: this.resource.name }, 'watching the broken templates failed'),
      });
    } catch (err) {
      this.logger.warn(
        { err, resource: this.resource.name },
        'cannot watch the broken templates; the next render retries',
      );
    }
  }

  async close(): Promise<void> {
    this.retryWatch?.abort();
    await this.inner?.close();
  }
}
