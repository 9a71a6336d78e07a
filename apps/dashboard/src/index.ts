export { createDashboard, type Dashboard, type DashboardDeps } from './create-dashboard.js';
export {
  resolveDashboardSettings,
  normalizeBasePath,
  DEFAULT_DASHBOARD_ADDRESS,
  DEFAULT_REDIS_PREFIX,
  type DashboardConfigInput,
  type DashboardSettings,
  type DashboardAuth,
} from './dashboard-settings.js';
export { DashboardError, DASHBOARD_ERROR_CODES, type DashboardErrorCode } from './dashboard-error.js';
export { basicAuth, parseBasicAuth, safeEqual, AUTH_REALM } from './basic-auth.js';
export {
  checkSameOrigin,
  securityHeaders,
  sameOriginForUnsafeMethods,
  readOnlyGuard,
  CONTENT_SECURITY_POLICY,
  type CrossSiteVerdict,
} from './request-guards.js';
export {
  collectOverview,
  renderOverviewHtml,
  escapeHtml,
  type Overview,
  type QueueOverview,
  type OverviewQueue,
} from './overview.js';
