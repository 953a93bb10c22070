// @sluice/dashboard: a local web page of a pipelines directory (runs, schema, data, state, loads), served by
// `sluice pipeline NAME show` and `sluice dashboard`, or by `serveDashboard` from code.
export { type AppOptions, dashboardApp } from './dashboard-app.ts'
export { DEFAULT_QUERY_LIMIT, serveDashboard } from './dashboard-server.ts'
export type { Dashboard, DashboardOptions } from './dashboard-types.ts'
