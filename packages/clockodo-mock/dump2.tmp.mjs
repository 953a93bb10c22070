import { readFileSync } from 'node:fs'
import { parse } from 'yaml'

const doc = parse(readFileSync('/work/shared/clockodo/openapi.yaml', 'utf8'))
const ps = [
  '/v2/entries',
  '/v3/customers',
  '/v4/projects',
  '/v3/subprojects',
  '/v4/services',
  '/v4/lumpSumServices',
  '/v3/users',
  '/v3/teams',
  '/v4/absences',
  '/v2/holidaysQuota',
  '/v3/holidaysCarry',
  '/v3/overtimeCarry',
  '/v3/overtimeReductions',
  '/v2/nonbusinessGroups',
  '/v2/nonbusinessDays',
  '/v2/usersNonbusinessDays',
  '/v3/usersNonbusinessGroups',
  '/targethours',
  '/userreports',
  '/v2/workTimes',
  '/v2/workTimes/changeRequests',
  '/v4/projects/reports',
  '/v3/projects/reports',
  '/v2/accessGroups',
  '/v3/customers/countProjects',
]
for (const p of ps) {
  const g = doc.paths[p]?.get
  if (!g) {
    console.log(p, 'MISSING')
    continue
  }
  const s = g.responses['200']?.content?.['application/json']?.schema
  const props = s?.properties ?? {}
  console.log(
    p,
    Object.keys(g.responses).join(','),
    JSON.stringify(
      Object.fromEntries(
        Object.entries(props)
          .filter(([k]) => k !== 'paging')
          .map(([k, v]) => [k, v.items?.$ref ?? v.$ref ?? v]),
      ),
    ),
    'params:',
    (g.parameters ?? [])
      .map((x) => x.name + (x.required ? '*' : '') + (x.schema?.maximum ? '<=' + x.schema.maximum : ''))
      .join(' '),
  )
}
