import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { Logger } from '@lostromos/observability';
import { RenderFailedError, type CrRenderer, type KubeObject } from '@lostromos/reconcile';
import { createResourceRenderer, type ResourceRenderer } from '@lostromos/render';

/**
 * The renderer of one resource, reloading when its template folder changes. When the templates are broken at
 * start-up the worker still runs: every render fails with that error (status + Warning Event on each CR) and
 * the next render tries to load them again.
 */
export class ResilientRenderer implements CrRenderer {
  private inner: ResourceRenderer | undefined;
  private failure: { error: Error; at: number } | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly resource: ResourceConfig,
    private readonly helm: LostromosConfig['helm'],
    private readonly logger: Logger,
    private readonly retryMs = 2000,
  ) {}

  get revision(): string {
    return this.inner?.revision ?? `error:${this.failure?.error.message ?? 'not loaded'}`;
  }

  async load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        this.inner = await createResourceRenderer(this.resource, {
          helm: this.helm,
          watch: true,
          logger: this.logger,
        });
        this.failure = undefined;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.failure = { error, at: Date.now() };
        this.logger.error(
          { err: error, resource: this.resource.name },
          'templates failed to load; renders fail until fixed',
        );
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
  }

  async render(cr: KubeObject): Promise<KubeObject[]> {
    if (!this.inner && (!this.failure || Date.now() - this.failure.at >= this.retryMs)) await this.load();
    if (!this.inner) {
      throw new RenderFailedError(
        `templates of resource ${this.resource.name} failed to load: ${this.failure?.error.message ?? 'unknown error'}`,
        {
          cause: this.failure?.error,
        },
      );
    }
    return this.inner.render(cr);
  }

  async close(): Promise<void> {
    await this.inner?.close();
  }
}
