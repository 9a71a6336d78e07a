export type {
  LostromosConfig,
  RedisConfig,
  ResourceConfig,
  HelmSourceConfig,
  RolloutConfig,
  Role,
  LogLevel,
} from './types.js';
export { ROLES, LOG_LEVELS } from './types.js';
export {
  loadConfig,
  parseConfig,
  formatPath,
  type ConfigSourceOptions,
  type ParseConfigOptions,
} from './load-config.js';
export {
  ConfigError,
  CONFIG_ERROR_CODES,
  isConfigError,
  formatIssue,
  type ConfigErrorCode,
  type ConfigIssue,
} from './config-error.js';
export {
  parseFlags,
  parseBoolean,
  formatFlagHelp,
  CONFIG_FLAGS,
  type FlagSpec,
  type FlagValue,
  type ParsedFlags,
} from './flags.js';
export { CONFIG_FIELDS, RESOURCE_FLAGS, type ConfigField, type ResourceFlag } from './fields.js';
export { deepFreeze } from './deep-freeze.js';
export { parseUserYaml, userYamlValue, MAX_ALIAS_COUNT, type YamlProblem } from './safe-yaml.js';
export { DNS_LABEL, DNS_SUBDOMAIN } from './schema.js';
