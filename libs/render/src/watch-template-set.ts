import fs from 'node:fs';

/**
 * Calls `onChange` (debounced by `debounceMs`) whenever a file in `dir` is added, changed or removed,
 * until `signal` aborts. Editors write files in bursts; the debounce turns a save into one reload.
 */
export function watchTemplateSet(
  dir: string,
  onChange: () => void,
  opts: { signal: AbortSignal; debounceMs?: number; onError?: (err: Error) => void },
): void {
  if (opts.signal.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!opts.signal.aborted) onChange();
    }, opts.debounceMs ?? 100);
  };
  const watcher = fs.watch(dir, { persistent: false, signal: opts.signal }, fire);
  watcher.on('error', (err: Error) => {
    if ((err as NodeJS.ErrnoException).name === 'AbortError') return;
    opts.onError?.(err);
    fire();
  });
  opts.signal.addEventListener('abort', () => timer && clearTimeout(timer), { once: true });
}
