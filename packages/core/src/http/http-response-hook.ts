// A request's response hook (`HttpRequestOptions.onResponse`): the answer goes to it as a Web `Response`, and what it
// returns comes back as the answer the client judges, or as 'retry' / 'ignore'.
import { SluiceError } from '../errors.ts'
import { bodySnippet } from './http-error.ts'
import type { Exchanged } from './http-exchange.ts'
import type { ResponseHook } from './http-types.ts'

/** An answer after redirects: where it came from (secrets removed) and whether that origin got credentials. */
export type Answer = Exchanged & { url: string; trusted: boolean }

/** Statuses whose `Response` may not have a body. */
const NULL_BODY = new Set([204, 205, 304])

interface HookContext {
  method: string
  /** The request's URL, secrets removed. */
  safe: string
  redact(text: string): string
}

/**
 * Runs `hook` on `answer`: the same answer when the hook returns nothing (or the response it got), the hook's own
 * `Response` as a new answer, or 'retry' / 'ignore'. A hook that throws something other than a `SluiceError`, or
 * returns something else, fails with `HTTP_RESPONSE_HOOK` (message redacted).
 */
export async function runResponseHook(
  hook: ResponseHook,
  answer: Answer,
  o: HookContext,
): Promise<Answer | 'retry' | 'ignore'> {
  // a Response can only carry 200..599
  if (answer.status < 200 || answer.status > 599) return answer
  const response = new Response(NULL_BODY.has(answer.status) ? null : answer.text, {
    status: answer.status,
    headers: answer.headers,
  })
  Object.defineProperty(response, 'url', { value: answer.url })
  let verdict: unknown
  try {
    verdict = await hook(response)
  } catch (e) {
    if (e instanceof SluiceError) throw e
    throw new SluiceError(
      'HTTP_RESPONSE_HOOK',
      o.redact(
        `${o.method} ${o.safe}: a response hook failed: ${e instanceof Error ? e.message : String(e)}`,
      ),
      {
        cause: e instanceof Error ? new Error(o.redact(e.message)) : undefined,
        hint: 'fix the hook, or throw a SluiceError from it to fail the run with a code of your own',
      },
    )
  }
  if (verdict === undefined || verdict === response) return answer
  if (verdict === 'retry' || verdict === 'ignore') return verdict
  if (!isResponse(verdict)) {
    throw new SluiceError(
      'HTTP_RESPONSE_HOOK',
      `${o.method} ${o.safe}: a response hook returned ${typeof verdict === 'string' ? `"${verdict.slice(0, 40)}"` : typeof verdict}`,
      { hint: 'return a Response (to replace the one it got), "retry", "ignore" or nothing' },
    )
  }
  const text = NULL_BODY.has(verdict.status) ? '' : await verdict.text()
  const status = verdict.status
  return {
    status,
    headers: verdict.headers,
    text,
    url: answer.url,
    trusted: answer.trusted,
    body: async () => {
      if (text.trim() === '') return undefined
      try {
        return JSON.parse(text)
      } catch {
        throw new SluiceError(
          'HTTP_RESPONSE_HOOK',
          o.redact(
            `${o.method} ${o.safe}: the HTTP ${status} response a hook returned is not JSON: "${bodySnippet(text)}"`,
          ),
          { hint: 'a hook that rewrites a body must return JSON, e.g. Response.json(value)' },
        )
      }
    },
  }
}

function isResponse(x: unknown): x is Response {
  const r = x as Response | null
  return !!r && typeof r === 'object' && typeof r.status === 'number' && typeof r.text === 'function'
}

/** `HTTP_RESPONSE_RETRIED`: a 2xx whose response actions asked for a retry (thrown once the attempts ran out). */
export function retriedError(
  answer: Answer,
  method: string,
  safe: string,
  redact: (text: string) => string,
): SluiceError {
  return new SluiceError(
    'HTTP_RESPONSE_RETRIED',
    redact(
      `${method} ${safe} kept answering HTTP ${answer.status} with a body its response actions retry: "${bodySnippet(answer.text)}"`,
    ),
    {
      transient: true,
      hint: 'the API kept answering with an error in the body; retry later, raise retry.maxAttempts, or change the response actions',
    },
  )
}
