// An endpoint's responseActions (dlt's response_actions): checked when the config is read, then turned into the one
// response hook its HTTP requests run.
import type { ResponseHook, ResponseVerdict } from '../http/http-types.ts'
import type { ResponseAction } from './rest-api-types.ts'

const ACTION_KEYS = ['status', 'content', 'action']

/** What is wrong with `actions` (`where` names the entry and key), or undefined. */
export function responseActionsProblem(
  actions: unknown,
): { where: string; problem: string; hint: string } | undefined {
  if (!Array.isArray(actions)) {
    return { where: '', problem: 'must be a list', hint: 'e.g. [{ status: 404, action: "ignore" }]' }
  }
  for (const [j, a] of actions.entries()) {
    const at = `[${j}]`
    if (typeof a === 'function') continue
    if (!a || typeof a !== 'object' || Array.isArray(a)) {
      return {
        where: at,
        problem: 'must be { status?, content?, action } or a function',
        hint: 'e.g. { status: 404, action: "ignore" } or (response) => undefined',
      }
    }
    for (const key of Object.keys(a)) {
      if (!ACTION_KEYS.includes(key))
        return {
          where: `${at}.${key}`,
          problem: 'is not a known key',
          hint: `known keys: ${ACTION_KEYS.join(', ')}`,
        }
    }
    const { status, content, action } = a as Record<string, unknown>
    if (status === undefined && content === undefined) {
      return {
        where: at,
        problem: 'matches nothing: it has neither status nor content',
        hint: 'add status (e.g. 404) or content (a text the body contains); a bare function sees every response',
      }
    }
    if (
      status !== undefined &&
      !(Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599)
    )
      return {
        where: `${at}.status`,
        problem: `is ${JSON.stringify(status)}`,
        hint: 'an HTTP status such as 404',
      }
    if (content !== undefined && (typeof content !== 'string' || content === ''))
      return {
        where: `${at}.content`,
        problem: 'must be a non-empty string',
        hint: 'a text the response body contains',
      }
    const hooks = Array.isArray(action) ? action : [action]
    const ok =
      action === 'ignore' ||
      action === 'retry' ||
      (hooks.length > 0 && hooks.every((h) => typeof h === 'function'))
    if (!ok) {
      return {
        where: `${at}.action`,
        problem: `is ${typeof action === 'function' ? 'a function' : JSON.stringify(action)}`,
        hint: 'use "ignore", "retry", or (in code) a function or a list of functions that get the Response',
      }
    }
  }
  return undefined
}

/**
 * The hook that runs `actions` in order on each response (see `RestEndpointConfig.responseActions`), or undefined
 * when there are none. A `content` match reads the body as text once per response.
 */
export function responseActionsHook(
  actions: readonly (ResponseAction | ResponseHook)[] | undefined,
): ResponseHook | undefined {
  if (!actions?.length) return undefined
  return async (response) => {
    // a clone, or a Response a hook made, has no url: each hook sees the one that answered
    const copy = (r: Response): Response => {
      const c = r.clone()
      Object.defineProperty(c, 'url', { value: response.url })
      return c
    }
    let current = response
    let text: string | undefined
    const replace = (v: ResponseVerdict, given: Response): 'retry' | 'ignore' | undefined => {
      if (v === 'retry' || v === 'ignore') return v
      if (v !== undefined && v !== given) {
        current = v
        text = undefined
      }
      return undefined
    }
    for (const a of actions) {
      if (typeof a === 'function') {
        const given = copy(current)
        const decided = replace(await a(given), given)
        if (decided) return decided
        continue
      }
      if (a.status !== undefined && a.status !== current.status) continue
      if (a.content !== undefined) {
        text ??= await current.clone().text()
        if (!text.includes(a.content)) continue
      }
      if (a.action === 'ignore' || a.action === 'retry') return a.action
      for (const hook of typeof a.action === 'function' ? [a.action] : a.action) {
        const given = copy(current)
        const decided = replace(await hook(given), given)
        if (decided) return decided
      }
    }
    return current === response ? undefined : current
  }
}
