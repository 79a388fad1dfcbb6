/**
 * workerd host: a module worker. `GET /host` describes the globals the runtime has (so the matrix
 * can check that compatibility date 2025-08-01 really lacks MessageChannel); `GET /run?column=&id=`
 * runs one case and answers its `CaseResult` as JSON.
 */
import { catchUncaught, makeImpl, runCase } from './harness.ts'

catchUncaught((deliver) => {
  addEventListener('error', (event) => {
    event.preventDefault()
    deliver(event.error)
  })
  addEventListener('unhandledrejection', (event) => {
    event.preventDefault()
    deliver(event.reason)
  })
})

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/host') {
      return Response.json({ MessageChannel: typeof globalThis.MessageChannel })
    }
    const column = url.searchParams.get('column') ?? ''
    const id = url.searchParams.get('id') ?? ''
    try {
      return Response.json(await runCase(makeImpl(column), id))
    } catch (error) {
      return Response.json({ id, ok: false, error: String(error) })
    }
  },
}
