export {
  createLogger,
  LOG_KEYS,
  LOG_LEVELS,
  LOG_FORMATS,
  type Logger,
  type LogFormat,
  type CreateLoggerOptions,
} from './logger.js';
export { redactSecrets, redactString, isSecretKey, REDACTED } from './redact.js';
export {
  createOperatorMetrics,
  WATCHER_METRICS,
  WORKER_METRICS,
  addCollectHook,
  RECONCILE_RESULTS,
  RECONCILE_TIME_BUCKETS,
  WORKQUEUE_BUCKETS,
  type OperatorMetrics,
  type CreateOperatorMetricsOptions,
  type ReconcileResultLabel,
} from './operator-metrics.js';
export {
  registerQueueMetrics,
  QUEUE_STATES,
  type JobCountSource,
  type QueueMetricsOptions,
} from './queue-metrics.js';
export {
  HealthRegistry,
  type HealthCheck,
  type HealthReport,
  type HealthRegistryOptions,
  type EventLoopWatchOptions,
} from './health-registry.js';
export { startHealthServer, type HealthServer, type HealthServerOptions } from './health-server.js';
export { parseListenAddress, urlFor, type ListenAddress } from './listen-address.js';
export { Registry } from 'prom-client';
export {
  startPresence,
  readPresence,
  presenceKey,
  type PresenceRecord,
  type PresenceRedis,
  type PresenceOptions,
} from './presence.js';
export { RedisUpGauge, type RedisConnectionStatus } from './redis-health.js';
