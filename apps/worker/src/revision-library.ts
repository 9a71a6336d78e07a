import type { LostromosConfig, ResourceConfig } from '@lostromos/config';
import type { Logger } from '@lostromos/observability';
import { UnknownRevisionError } from '@lostromos/reconcile';
import {
  createSnapshotRenderer,
  shortRevision,
  type ResourceRenderer,
  type TemplateSnapshot,
} from '@lostromos/render';

export interface RevisionLibraryOptions {
  resource: ResourceConfig;
  helm: LostromosConfig['helm'];
  /** Reads a stored revision (TemplateStore.get); throws (retryable) when Redis cannot be read. */
  fetch(revision: string): Promise<TemplateSnapshot | undefined>;
  logger: Logger;
  /** Revisions kept loaded at once (least recently used go first); default 4. */
  max?: number;
  /** How long an evicted revision stays open for renders still running with it (default 60 s). */
  closeDelayMs?: number;
}

/**
 * The stored template revisions of one resource that this worker renders with, other than the one its own
 * files hold: each is loaded from the template store once (compiled in memory for Handlebars; a chart written
 * to a temporary folder for Helm) and kept while used, with the usual render memo. close() removes what
 * loading created.
 */
export class RevisionLibrary {
  private readonly loaded = new Map<string, Promise<ResourceRenderer>>();
  private readonly closing = new Set<NodeJS.Timeout>();
  private readonly evicted = new Set<Promise<ResourceRenderer>>();
  private closed = false;

  constructor(private readonly o: RevisionLibraryOptions) {}

  /** The renderer of a stored revision; UnknownRevisionError when it is not stored. */
  renderer(revision: string): Promise<ResourceRenderer> {
    if (this.closed) return Promise.reject(new Error('the revision library is closed'));
    let entry = this.loaded.get(revision);
    if (entry) {
      this.loaded.delete(revision);
      this.loaded.set(revision, entry);
      return entry;
    }
    entry = this.load(revision);
    this.loaded.set(revision, entry);
    // A failed load is not kept: the revision may be stored a moment later, Redis may come back.
    entry.catch(() => {
      if (this.loaded.get(revision) === entry) this.loaded.delete(revision);
    });
    this.evict();
    return entry;
  }

  /** Revisions loaded now, least recently used first. */
  revisions(): string[] {
    return [...this.loaded.keys()];
  }

  private async load(revision: string): Promise<ResourceRenderer> {
    const { resource } = this.o;
    const snapshot = await this.o.fetch(revision);
    if (!snapshot) {
      throw new UnknownRevisionError(
        `template revision ${shortRevision(revision)} of resource ${resource.name} is not in the template store (trimmed from the history, or its worker could not store it): pin the CR to a stored revision or let the rollout move on (\`lostromos rollout status --resource ${resource.name}\`)`,
      );
    }
    const renderer = await createSnapshotRenderer(resource, snapshot, {
      helm: this.o.helm,
      logger: this.o.logger,
    });
    this.o.logger.info(
      { resource: resource.name, revision: shortRevision(revision), source: snapshot.source },
      'loaded a stored template revision',
    );
    return renderer;
  }

  private evict(): void {
    const max = this.o.max ?? 4;
    while (this.loaded.size > max) {
      const [revision, entry] = this.loaded.entries().next().value!;
      this.loaded.delete(revision);
      this.evicted.add(entry);
      const timer = setTimeout(() => {
        this.closing.delete(timer);
        this.evicted.delete(entry);
        void closeQuietly(entry);
      }, this.o.closeDelayMs ?? 60_000);
      timer.unref();
      this.closing.add(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.closing) clearTimeout(t);
    this.closing.clear();
    const all = [...this.loaded.values(), ...this.evicted];
    this.loaded.clear();
    this.evicted.clear();
    await Promise.all(all.map(closeQuietly));
  }
}

async function closeQuietly(entry: Promise<ResourceRenderer>): Promise<void> {
  const renderer = await entry.catch(() => undefined);
  await renderer?.close();
}
