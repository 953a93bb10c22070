export type { ClockodoEndpoint, ClockodoReadMode } from './clockodo-catalog.ts'
export { CLOCKODO_ENDPOINTS } from './clockodo-catalog.ts'
export type { ClockodoConfig, EnhancedListMode } from './clockodo-config.ts'
export {
  CLOCKODO_DEFAULT_BASE_URL,
  ENHANCED_LIST_MODES,
  parseClockodoDate,
  validateClockodoConfig,
  validateExternalApplication,
} from './clockodo-config.ts'
export { CLOCKODO_CONFIG_KEYS, clockodoOptionsFrom } from './clockodo-env.ts'
export { isResourceSkipped, mapClockodoError } from './clockodo-errors.ts'
export type { ClockodoPaging } from './clockodo-pages.ts'
export {
  CLOCKODO_ENHANCED_LIST_LIMIT,
  CLOCKODO_RATE_LIMITS,
  rateLimitBoundMs,
} from './clockodo-rate-limits.ts'
export { CLOCKODO_RESOURCES } from './clockodo-resource-names.ts'
export type {
  ClockodoAbsence,
  ClockodoAccessGroup,
  ClockodoCustomer,
  ClockodoEntry,
  ClockodoHolidaysCarry,
  ClockodoHolidaysQuota,
  ClockodoLumpSumService,
  ClockodoNonbusinessDay,
  ClockodoNonbusinessGroup,
  ClockodoOvertimeCarry,
  ClockodoOvertimeReduction,
  ClockodoProject,
  ClockodoProjectBudget,
  ClockodoProjectReport,
  ClockodoService,
  ClockodoSubproject,
  ClockodoSurchargeModel,
  ClockodoTargetHours,
  ClockodoTeam,
  ClockodoUser,
  ClockodoUserReport,
  ClockodoUsersNonbusinessDays,
  ClockodoUsersNonbusinessGroup,
  ClockodoWorkTime,
  ClockodoWorkTimeChangeRequest,
} from './clockodo-rows.ts'
export type { ClockodoSourceInternals } from './clockodo-source.ts'
export { clockodoSource } from './clockodo-source.ts'
export type { TimeWindow, WindowPlan, WindowPlanInput, WindowState } from './clockodo-windows.ts'
export { planWindows } from './clockodo-windows.ts'
export { WORK_TIMES_EPOCH } from './clockodo-work-times.ts'
