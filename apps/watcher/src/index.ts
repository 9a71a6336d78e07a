export {
  buildWatcher,
  type WatcherApp,
  type WatcherDeps,
  type WatcherShardStatus,
  type WatcherStatus,
} from './watcher-app.js';
export * from './cr-events.js';
export { keptCr, keptOwned, writersOf, type KeptOwned, type Writers } from './kept-objects.js';
export { ResourceWatch, describeWatchError } from './resource-watch.js';
export { OwnedWatch } from './owned-watch.js';
export { ResourceController } from './resource-controller.js';
export { shardOf, shardLeaseName, preferredLeader } from './shards.js';
export { RolloutMetrics } from './rollout-metrics.js';
