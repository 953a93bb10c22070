import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from '@sluice/core/node'
import { expect, it } from 'vitest'
import { redshift } from '../src/index.ts'
import { admin, compatUrl, dq, dropDataset, uniqueName } from './redshift-helpers.ts'

// Text Redshift cannot store (over varchar(65535)'s bytes, U+0000) is cut or cleaned during normalization and
// counted, instead of failing the load on every run.
it('text over 65,535 bytes is cut at a character boundary and U+0000 removed, both counted', async () => {
  const dataset = uniqueName('values')
  const dir = await mkdtemp(join(tmpdir(), 'sluice-redshift-values-'))
  try {
    const p = pipeline({
      pipelineName: dataset,
      destination: redshift({ credentials: compatUrl() }),
      datasetName: dataset,
      pipelinesDir: dir,
    })
    const info = await p.run({
      name: 'values',
      resources: [
        {
          name: 'notes',
          async *read() {
            yield [
              { id: 1, body: 'a'.repeat(70_000) },
              { id: 2, body: 'é'.repeat(40_000) },
              { id: 3, body: 'nul\u0000inside' },
            ]
          },
        },
      ],
    })
    expect(
      await admin(
        `SELECT id::int AS id, octet_length(body) AS bytes, left(body, 3) AS head FROM ${dq(dataset)}.notes ORDER BY id`,
      ),
    ).toEqual([
      { id: 1, bytes: 65_535, head: 'aaa' },
      { id: 2, bytes: 65_534, head: 'ééé' },
      { id: 3, bytes: 9, head: 'nul' },
    ])
    expect([...info.warnings].sort()).toEqual([
      'notes.body: 2 text values were cut to the longest text the destination stores',
      'notes: 1 text value lost U+0000 characters, which the destination cannot store',
    ])
  } finally {
    await rm(dir, { recursive: true, force: true })
    await dropDataset(dataset)
  }
}, 60_000)
