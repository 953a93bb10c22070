// The toolkits shipped in this package (toolkits/<name>/): rules and skills as markdown, nothing fetched.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SluiceError } from '@sluice/core'

/** The folder of the shipped toolkits (beside `src/` and `dist/`). */
export const TOOLKITS_DIR: string = fileURLToPath(new URL('../toolkits/', import.meta.url))

/** A markdown file with frontmatter: a rule or a skill's `SKILL.md`. */
export interface Doc {
  name: string
  description: string
  /** The text after the frontmatter. */
  body: string
}

/** A shipped toolkit. */
export interface Toolkit {
  name: string
  description: string
  /** The skill to start with. */
  entry?: string
  /** Toolkits installed before this one. */
  dependencies: string[]
  rules: Doc[]
  skills: Doc[]
}

/** Splits `---\nkey: value\n---\nbody`; `name` and `description` are required. */
export function parseDoc(text: string, where: string): Doc {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
  const fields: Record<string, string> = {}
  for (const line of match?.[1]?.split('\n') ?? []) {
    const colon = line.indexOf(':')
    if (colon > 0) fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  if (!match || !fields['name'] || !fields['description']) {
    throw new SluiceError('CONFIG_INVALID', `${where} has no frontmatter with name and description`)
  }
  return { name: fields['name'], description: fields['description'], body: match[2]!.replace(/^\n+/, '') }
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort()
  } catch {
    return []
  }
}

/** Names of the shipped toolkits. */
export async function toolkitNames(): Promise<string[]> {
  return names(TOOLKITS_DIR)
}

/** A shipped toolkit by name; `CONFIG_INVALID` lists the others. */
export async function loadToolkit(name: string): Promise<Toolkit> {
  const all = await toolkitNames()
  if (!all.includes(name)) {
    throw new SluiceError('CONFIG_INVALID', `there is no toolkit "${name}"`, {
      hint: `use one of ${all.join(', ')} (sluice ai toolkit list)`,
    })
  }
  const dir = join(TOOLKITS_DIR, name)
  const meta = JSON.parse(await readFile(join(dir, 'toolkit.json'), 'utf8')) as {
    description: string
    entry?: string
    dependencies?: string[]
  }
  const rules: Doc[] = []
  for (const file of await names(join(dir, 'rules'))) {
    rules.push(parseDoc(await readFile(join(dir, 'rules', file), 'utf8'), `${name}/rules/${file}`))
  }
  const skills: Doc[] = []
  for (const skill of await names(join(dir, 'skills'))) {
    const where = `${name}/skills/${skill}/SKILL.md`
    skills.push(parseDoc(await readFile(join(dir, 'skills', skill, 'SKILL.md'), 'utf8'), where))
  }
  return {
    name,
    description: meta.description,
    ...(meta.entry ? { entry: meta.entry } : {}),
    dependencies: meta.dependencies ?? [],
    rules,
    skills,
  }
}
