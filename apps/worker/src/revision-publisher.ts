import type { Logger } from '@lostromos/observability';
import type { StoredTemplates, TemplateRevisions, TemplateStore } from '@lostromos/queue';

export interface RevisionPublisherOptions {
  store: Pick<TemplateStore, 'put'>;
  revisions: Pick<TemplateRevisions, 'report'>;
  identity: string;
  logger: Logger;
}

/**
 * Tells the others which template revision this worker renders a resource with: first the revision itself
 * into the template store (once per revision, so any worker can render it), then the report the leading
 * watcher follows. In that order, so the leader never hears of a revision it cannot find in the store.
 */
export class RevisionPublisher {
  private readonly stored = new Map<string, string>();
  private readonly refused = new Map<string, string>();

  constructor(private readonly o: RevisionPublisherOptions) {}

  async publish(
    resource: string,
    revision: string,
    kinds: readonly string[],
    snapshot: StoredTemplates | undefined,
  ): Promise<void> {
    if (snapshot && snapshot.revision === revision && this.stored.get(resource) !== revision) {
      try {
        await this.o.store.put(resource, snapshot);
        this.stored.set(resource, revision);
      } catch (err) {
        if ((err as { retryable?: unknown }).retryable !== false) throw err; // Redis: the next heartbeat retries
        // Too large: said once per revision; the worker still renders it from its own files.
        if (this.refused.get(resource) !== revision) {
          this.refused.set(resource, revision);
          this.o.logger.error({ err, resource }, 'cannot store the template revision');
        }
      }
    }
    await this.o.revisions.report(resource, this.o.identity, revision, kinds);
  }
}
