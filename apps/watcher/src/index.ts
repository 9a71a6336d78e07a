export { buildWatcher, type WatcherApp, type WatcherDeps, type WatcherStatus } from './watcher-app.js';
export * from './cr-events.js';
export { ResourceWatch, describeWatchError } from './resource-watch.js';
export { OwnedWatch } from './owned-watch.js';
