import { describe, expect, it } from 'vitest'
import type { PageReply } from './page-protocol.ts'
import type { PageSend } from './page-send.ts'
import { createPageWorker } from './page-worker.ts'

const destiny = { resource: 'items', loadId: 'load1', format: 'csv' as const }
const request = { url: 'http://127.0.0.1:1/items', method: 'GET', headers: [] as [string, string][] }
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Fetches one page through a worker whose sender answers `answer`: what happened, in order. */
async function fetchOnce(answer: { status: number; body: Uint8Array }): Promise<string[]> {
  const events: string[] = []
  let replied: () => void = () => undefined
  const reply = new Promise<void>((resolve) => {
    replied = resolve
  })
  const send: PageSend = async () => ({ ...answer, headers: [], done: () => events.push('done') })
  const worker = createPageWorker((message: PageReply) => {
    events.push(message.t)
    replied()
  }, send)
  worker.handle({ t: 'fetch', id: 1, request, options: { dataKeys: ['items'] }, destiny })
  await reply
  await new Promise((resolve) => setImmediate(resolve))
  return events
}

describe('a page worker fetching a page', () => {
  it('gives the body back to its sender once the page is read, whatever the page held', async () => {
    expect(await fetchOnce({ status: 200, body: utf8('{"items":[{"id":1}]}') })).toEqual(['fetched', 'done'])
    expect(await fetchOnce({ status: 200, body: utf8('{"items": [') })).toEqual(['fetched', 'done'])
    expect(await fetchOnce({ status: 503, body: utf8('busy') })).toEqual(['fetched', 'done'])
  })
})
