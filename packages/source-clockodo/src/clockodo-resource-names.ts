/**
 * The Clockodo source's resources, one per current list endpoint; each name is also the table name.
 * Order: as in the project's specification (entries first, master data, absences and holidays, work times, reports).
 */
export const CLOCKODO_RESOURCES: readonly string[] = Object.freeze([
  'entries',
  'customers',
  'projects',
  'subprojects',
  'services',
  'lumpsum_services',
  'users',
  'teams',
  'absences',
  'holidays_quota',
  'holidays_carry',
  'overtime_carry',
  'overtime_reductions',
  'nonbusiness_groups',
  'nonbusiness_days',
  'users_nonbusiness_days',
  'users_nonbusiness_groups',
  'target_hours',
  'user_reports',
  'work_times',
  'work_time_change_requests',
  'access_groups',
  'project_reports',
  'surcharge_models',
])
