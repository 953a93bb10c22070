import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ResourceContext, ResourceState, Source } from '@sluice/core'
import { pageRows } from '@sluice/core'
import { benchEntries, CLOCKODO_HEADERS, fastLimiterClock } from './bench-common.ts'

/** A fetch that records every URL it is asked for, optionally lowering `items_per_page`. */
export function recordingFetch(urls: string[], itemsPerPage?: number): typeof fetch {
  return (input, init) => {
    let url = input instanceof Request ? input.url : String(input)
    if (itemsPerPage !== undefined)
      url = url.replace(/items_per_page=1000\b/, `items_per_page=${itemsPerPage}`)
    urls.push(url)
    if (input instanceof Request) return fetch(new Request(url, input), init)
    return fetch(url, init)
  }
}

/** Reads one resource of a source outside a pipeline (no normalization, no destination). */
export async function readResource(
  source: Source,
  name: string,
  onPage: (rows: readonly object[]) => void | Promise<void>,
): Promise<void> {
  const resource = source.resources.find((r) => r.name === name)
  if (!resource) throw new Error(`no resource ${name}`)
  const state: ResourceState = {}
  const ctx: ResourceContext = {
    state,
    signal: new AbortController().signal,
    emit: () => {},
    replaceRange: () => {},
    warn: () => {},
  }
  for await (const page of resource.read(ctx)) await onPage(pageRows(page))
}

/** Number of entries in [since, until) as the account reports it (one request with items_per_page=1). */
export async function countEntries(baseUrl: string, since: string, until: string): Promise<number> {
  const url = `${baseUrl}/v2/entries?time_since=${since}T00:00:00Z&time_until=${until}T00:00:00Z&items_per_page=1&page=1`
  const res = await fetch(url, { headers: CLOCKODO_HEADERS })
  const body = (await res.json()) as { paging?: { count_items?: number } }
  return body.paging?.count_items ?? 0
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** The first day `end` after `start` (at most `maxDays` later) so that [start, end) holds at least `rows` entries. */
export async function endDateFor(
  baseUrl: string,
  start: string,
  rows: number,
  maxDays: number,
): Promise<string> {
  let lo = 1
  let hi = maxDays
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if ((await countEntries(baseUrl, start, addDays(start, mid))) >= rows) hi = mid
    else lo = mid + 1
  }
  return addDays(start, lo)
}

/** What {@link prepareAccount} leaves in the work directory. */
export interface PreparedFiles {
  /** JSON array of the entries page URLs the source asked for, in order. */
  urls: string
  /** The same entries as NDJSON (for DuckDB's read_json). */
  ndjson: string
  /** JSON array of the first entries pages' rows (templates for the runs without HTTP). */
  entriesTemplate: string
  /** JSON array of all project rows (nested: service assignments and more). */
  projectsTemplate: string
  rows: number
}

/**
 * Warms the account's response cache by reading the entries of [startDate, endDate) exactly as the source does,
 * records the page URLs (for the floor and the naive script), writes the rows as NDJSON and keeps template pages.
 */
export async function prepareAccount(
  baseUrl: string,
  startDate: string,
  endDate: string,
  workDir: string,
): Promise<PreparedFiles> {
  const urls: string[] = []
  const source = benchEntries(
    { baseUrl, startDate, endDate },
    // the floor replays enhanced pages: read every page enhanced, as before enhanced_list = "auto"
    { resources: ['entries', 'projects'], enhancedList: 'always', fetch: recordingFetch(urls) },
    { clock: fastLimiterClock() },
  )
  const files: PreparedFiles = {
    urls: join(workDir, 'urls.json'),
    ndjson: join(workDir, 'entries.ndjson'),
    entriesTemplate: join(workDir, 'entries-template.json'),
    projectsTemplate: join(workDir, 'projects-template.json'),
    rows: 0,
  }
  const out = createWriteStream(files.ndjson)
  const template: object[] = []
  await readResource(source, 'entries', async (rows) => {
    files.rows += rows.length
    if (template.length < 20_000) template.push(...rows)
    let chunk = ''
    for (const row of rows) chunk += `${JSON.stringify(row)}\n`
    if (!out.write(chunk)) await once(out, 'drain')
  })
  out.end()
  await once(out, 'finish')
  const entryUrls = urls.filter((u) => u.includes('/v2/entries') && u.includes('enhanced_list'))
  const projects: object[] = []
  await readResource(source, 'projects', (rows) => {
    projects.push(...rows)
  })
  await writeFile(files.urls, JSON.stringify(entryUrls))
  await writeFile(files.entriesTemplate, JSON.stringify(template))
  await writeFile(files.projectsTemplate, JSON.stringify(projects))
  return files
}
