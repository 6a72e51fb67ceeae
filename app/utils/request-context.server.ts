import { AsyncLocalStorage } from 'node:async_hooks'

/** What every log line of a request carries, and the answers its loaders share. */
export type RequestContext = {
  requestId: string
  /**
   * Answers shared by the loaders of one GET or HEAD (root, layout and route ask the same questions; Remix gives
   * each loader its own copy of the Request, so the Request cannot key them). Absent for other methods: an action
   * may change the answer before the loaders run in the same request.
   */
  memo?: Map<string, Promise<unknown>>
}

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

/**
 * `compute()`, asked once per GET/HEAD request for `key`: later callers in the same request get the same promise.
 * Outside a request, or for other methods, it simply calls `compute()`.
 */
export function memoizeForRequest<T>(key: string, compute: () => Promise<T>): Promise<T> {
  const memo = storage.getStore()?.memo
  if (!memo) return compute()
  const known = memo.get(key)
  // NOTE: a key names one question, so its answer has the type of the first asker's `compute`.
  if (known) return known as Promise<T>
  const answer = compute()
  memo.set(key, answer)
  return answer
}
