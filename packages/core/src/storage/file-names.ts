import { SluiceError } from '../errors.ts'

/** True for a name that is one path segment: not empty, not `.` or `..`, without `/`, backslash or NUL. */
export function isFileName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name)
}

/** Returns `name` when it can be a file name ({@link isFileName}); else throws `CONFIG_INVALID` naming it. */
export function checkFileName(kind: string, name: string): string {
  if (isFileName(name)) return name
  throw new SluiceError('CONFIG_INVALID', `${kind} ${JSON.stringify(name)} cannot be a file name`, {
    hint: 'use letters, digits and _ (no /, \\, or a name of only dots)',
  })
}
