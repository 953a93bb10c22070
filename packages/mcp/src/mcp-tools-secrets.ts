// Tools over the project's secrets: names and masked values only.
import { stringify } from 'smol-toml'
import { z } from 'zod'
import { CONFIG_FILES, listSecrets, readTomlFile, redactTable, updateSecretsFragment } from './mcp-secrets.ts'
import { type AnyTool, defineTool } from './mcp-tool.ts'

const secretsListTool = defineTool({
  name: 'secrets_list',
  title: 'List secrets',
  description:
    "Lists the project's configuration files (.sluice/secrets.toml, .sluice/config.toml) with whether each exists and which keys it sets, and the configuration variables set in the environment (names only, never values). Use it instead of reading the files.",
  pipeline: false,
  readOnly: true,
  input: {},
  async run(_args, ctx) {
    const listed = await listSecrets(ctx.cwd, ctx.env)
    const lines = listed.files.map(
      (f) => `${f.path}: ${f.present ? (f.keys.length ? f.keys.join(', ') : '(no keys)') : '(missing)'}`,
    )
    lines.push(`environment: ${listed.environment.length ? listed.environment.join(', ') : '(none)'}`)
    return { text: lines.join('\n'), structured: listed }
  },
})

const secretsViewTool = defineTool({
  name: 'secrets_view_redacted',
  title: 'View secrets (masked)',
  description:
    'Shows .sluice/secrets.toml (or config.toml) as TOML with every value masked; placeholders still to be filled in (empty, <...>, values with *****, your-...) stay readable. Use it to check the layout and what the user still has to fill in.',
  pipeline: false,
  readOnly: true,
  input: {
    file: z.enum(['secrets.toml', 'config.toml']).default('secrets.toml').describe('which file of .sluice/'),
  },
  async run(args, ctx) {
    const path = args.file === 'config.toml' ? CONFIG_FILES.config : CONFIG_FILES.secrets
    const table = await readTomlFile(ctx.cwd, path)
    if (!table) return { text: `${path} does not exist`, structured: { path, present: false, toml: '' } }
    const toml = stringify(redactTable(table))
    return { text: `# ${path} (values masked)\n${toml}`, structured: { path, present: true, toml } }
  },
})

const secretsUpdateTool = defineTool({
  name: 'secrets_update_fragment',
  title: 'Add to secrets.toml',
  description:
    'Deep-merges a TOML fragment into .sluice/secrets.toml (creating it private, mode 600) and returns the merged file masked. Write PLACEHOLDERS only, e.g. [sources.my_api] with api_key = "your-api-key", or [destination.postgres] with credentials = "postgresql://loader:your-password@localhost:5432/analytics"; then ask the user to fill in the real values in the file themselves. Never put a value the user pasted into chat here. Comments in the file are not kept.',
  pipeline: false,
  readOnly: false,
  input: {
    fragment: z.string().min(1).describe('TOML, e.g. [sources.my_api]\\napi_key = "your-api-key"'),
  },
  async run(args, ctx) {
    const table = await updateSecretsFragment(ctx.cwd, args.fragment)
    const toml = stringify(table)
    return {
      text: `updated ${CONFIG_FILES.secrets} (values masked):\n${toml}`,
      structured: { path: CONFIG_FILES.secrets, toml },
    }
  },
})

/** The tools of this file, in the order clients list them. */
export const SECRETS_TOOLS: readonly AnyTool[] = [secretsListTool, secretsViewTool, secretsUpdateTool]
