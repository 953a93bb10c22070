// Runs before every test file: no request may leave loopback (msw errors on anything that is not
// 127.0.0.1/localhost, e.g. a real workspace host).
import { HttpResponse, http, passthrough } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll } from 'vitest'

export const guard: ReturnType<typeof setupServer> = setupServer(
  http.all(/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//, () => passthrough()),
  http.all('*', ({ request }) => {
    console.error(`[test] blocked request to ${request.url}`)
    return HttpResponse.error()
  }),
)
beforeAll(() => guard.listen({ onUnhandledRequest: 'error' }))
afterAll(() => guard.close())
