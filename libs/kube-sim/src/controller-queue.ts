import type { SimLogger } from './types.js';

/**
 * A de-duplicating work queue drained on a later event-loop turn, so controllers never write from inside a
 * store event (the apiserver's controllers are asynchronous too). A failing item is logged, not retried
 * forever: the next event about the same object enqueues it again.
 */
export class ControllerQueue {
  private readonly keys = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly work: (key: string) => void,
    private readonly logger?: SimLogger,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    this.keys.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  stop(): void {
    this.stopped = true;
    this.keys.clear();
  }

  private drain(): void {
    this.scheduled = false;
    // Items enqueued while draining run on the next turn, after their watch events are flushed.
    const batch = [...this.keys];
    this.keys.clear();
    for (const k of batch) {
      if (this.stopped) return;
      try {
        this.work(k);
      } catch (err) {
        this.logger?.warn?.(
          { err, controller: this.name, key: k },
          `kube-sim ${this.name}: ${(err as Error).message}`,
        );
      }
    }
  }
}
