import fs from 'node:fs';

/**
 * Calls `onChange` (debounced by `debounceMs`) whenever a file in `dir` is added, changed or removed,
 * until `signal` aborts. Editors write files in bursts; the debounce turns a save into one reload.
 * `recursive` also watches sub-folders (Helm charts); `only` limits it to one file name.
 */
export function watchTemplateSet(
  dir: string,
  onChange: () => void,
  opts: {
    signal: AbortSignal;
    debounceMs?: number;
    recursive?: boolean;
    only?: string;
    onError?: (err: Error) => void;
  },
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
  const watcher = fs.watch(
    dir,
    { persistent: false, signal: opts.signal, recursive: opts.recursive ?? false },
    (_event, file) => {
      if (opts.only === undefined || file === opts.only) fire();
    },
  );
  watcher.on('error', (err: Error) => {
    if (err.name === 'AbortError') return;
    opts.onError?.(err);
    fire();
  });
  opts.signal.addEventListener('abort', () => timer && clearTimeout(timer), { once: true });
}
