import { AsyncLocalStorage } from 'node:async_hooks'

/** What every log line of a request carries. */
export type RequestContext = { requestId: string }

// NOTE: the HTTP server and the Remix build are separate bundles (and separate module
// graphs under Vite in development), so the store lives on globalThis under a registered
// symbol: both sides must see the same instance or log lines lose their request id.
const STORE_KEY = Symbol.for('switchboard.request-context')
const holder = globalThis as typeof globalThis & { [STORE_KEY]?: AsyncLocalStorage<RequestContext> }
const storage: AsyncLocalStorage<RequestContext> = (holder[STORE_KEY] ??= new AsyncLocalStorage<RequestContext>())

/** Runs `fn` with `context` visible to everything it calls (logger, error handler). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn)
}

/** The current request's context, or undefined outside a request. */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore()
}
