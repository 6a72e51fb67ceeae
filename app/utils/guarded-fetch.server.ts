import { Agent, fetch as undiciFetch, type Response as UndiciResponse } from 'undici'
import { getEnv } from '#app/utils/env.server.ts'
import { assertTarget, guardedLookup } from '#app/utils/guarded-fetch-address.server.ts'
import { type Exchange, finalResponse } from '#app/utils/guarded-fetch-body.server.ts'
import {
  GuardedFetchError,
  connectionFailure,
  formatDuration,
  hostAndPort,
} from '#app/utils/guarded-fetch-errors.server.ts'
import {
  BODY_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  EVENT_STREAM_IDLE_TIMEOUT_MS,
  HEADERS_TIMEOUT_MS,
  MAX_EVENT_STREAM_BYTES,
  MAX_REDIRECTS,
  MAX_RESPONSE_BYTES,
  type OutboundPolicy,
} from '#app/utils/guarded-fetch-policy.server.ts'
import { createAddressRules, type AddressRules } from '#app/utils/ip-rules.server.ts'

/**
 * The one fetch for URLs that a user or a remote server chose (docs/decisions/005-guarded-fetch.md):
 * http(s) only, no private or special addresses unless OUTBOUND_ALLOWED_NETWORKS allows them, the
 * connection goes to the address that was checked, redirects are re-checked hop by hop, and every
 * request has time and size limits. Every failure is a GuardedFetchError, never a TypeError.
 */

/** Usable wherever the MCP SDK takes a `fetch` (its FetchLike). */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** The only request headers that follow a redirect to another origin (the caller's others may be credentials). */
const CROSS_ORIGIN_SAFE_HEADERS = ['accept', 'accept-language', 'user-agent']
/** Dropped when a redirect turns the request into a body-less GET (Fetch standard, "request-body-header name"). */
const REQUEST_BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
]

function requestUrl(input: string | URL | Request): string {
  if (typeof input === 'string') return input
  return input instanceof URL ? input.href : input.url
}

const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase()
  return NORMALIZED_METHODS.has(upper) ? upper : method
}

type Prepared = { method: string; headers: Headers; body: Uint8Array | null; redirect: RequestRedirect }

/** Normalises fetch's arguments the way fetch does, buffering the body so a 307/308 can resend it. */
async function prepare(input: string | URL | Request, init: RequestInit | undefined, url: URL): Promise<Prepared> {
  // Fast path for what the MCP SDK sends (a URL and a string body): no Request, no body stream.
  if (!(input instanceof Request) && (init?.body === undefined || init.body === null || typeof init.body === 'string')) {
    try {
      const headers = new Headers(init?.headers)
      const body = typeof init?.body === 'string' ? new TextEncoder().encode(init.body) : null
      if (body && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
      // As fetch does: only the standard methods are upper-cased.
      const method = normalizeMethod(init?.method ?? 'GET')
      if (body && (method === 'GET' || method === 'HEAD')) throw new TypeError('GET/HEAD with a body')
      return { method, headers, body, redirect: init?.redirect ?? 'follow' }
    } catch {
      // Falls through to the Request constructor, which produces the same refusal as fetch.
    }
  }
  let request: Request
  try {
    // signal: null, since the caller's signal is followed by hand (see send).
    request = new Request(input, { ...init, signal: null })
  } catch {
    // NOTE: the constructor's message can quote a header value, so it stays out of ours.
    throw new GuardedFetchError(
      'network',
      `The request to ${hostAndPort(url)} could not be sent: its method, headers or body are invalid.`,
    )
  }
  const body = request.body ? new Uint8Array(await request.arrayBuffer()) : null
  return { method: request.method, headers: new Headers(request.headers), body, redirect: request.redirect }
}

async function send(
  policy: OutboundPolicy,
  rules: AddressRules,
  agent: Agent,
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<Response> {
  // As in fetch, an explicit `signal: null` in init overrides the Request's signal.
  const callerSignal = init?.signal !== undefined ? init.signal : input instanceof Request ? input.signal : null
  callerSignal?.throwIfAborted()
  const raw = requestUrl(input)
  if (!URL.canParse(raw)) {
    throw new GuardedFetchError(
      'bad_url',
      'The address is not a valid URL; use a full address such as https://mcp.example.com/mcp.',
    )
  }
  const firstUrl = new URL(raw)
  assertTarget(firstUrl, rules)
  const prepared = await prepare(input, init, firstUrl)
  let { method, headers, body } = prepared
  callerSignal?.throwIfAborted()

  // NOTE: the caller's signal is followed with a listener that is removed when the exchange ends,
  // not AbortSignal.any: transports pass one signal that lives as long as the session.
  const controller = new AbortController()
  const onCallerAbort = () => controller.abort(callerSignal?.reason)
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
  const exchange: Exchange = {
    policy,
    url: firstUrl,
    controller,
    release: () => callerSignal?.removeEventListener('abort', onCallerAbort),
  }
  const headersTimer = setTimeout(() => {
    controller.abort(
      new GuardedFetchError(
        'timeout',
        `${hostAndPort(exchange.url)} did not answer within ${formatDuration(policy.headersTimeoutMs)}.`,
      ),
    )
  }, policy.headersTimeoutMs)

  let previous: URL | undefined
  try {
    for (let followed = 0; ; followed++) {
      const url = exchange.url
      let response: UndiciResponse
      try {
        if (previous) assertTarget(url, rules)
        response = await undiciFetch(url.href, {
          method,
          headers: [...headers],
          body,
          redirect: 'manual',
          signal: controller.signal,
          dispatcher: agent,
        })
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason
        const failure = connectionFailure(error, url, policy)
        if (!previous) throw failure
        throw new GuardedFetchError(failure.reason, `After a redirect from ${previous.host}: ${failure.message}`, {
          cause: failure.cause,
        })
      }

      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null
      if (location === null || prepared.redirect === 'manual') {
        clearTimeout(headersTimer)
        return await finalResponse(response, followed > 0, exchange)
      }
      await response.body?.cancel()
      if (prepared.redirect === 'error') {
        throw new GuardedFetchError(
          'too_many_redirects',
          `${url.host} answered with a redirect, and this request does not follow redirects.`,
        )
      }
      if (followed >= policy.maxRedirects) {
        throw new GuardedFetchError(
          'too_many_redirects',
          `${firstUrl.host} redirected more than ${policy.maxRedirects} times; Switchboard stops there.`,
        )
      }
      if (!URL.canParse(location, url)) {
        throw new GuardedFetchError('bad_url', `${url.host} redirected to an address that is not a valid URL.`)
      }
      const next = new URL(location, url)
      const status = response.status
      // RFC 9110 section 15.4: 303 means "GET the other resource"; 301/302 after a non-GET are treated alike, as clients do.
      if (
        (status === 303 && method !== 'HEAD') ||
        ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD')
      ) {
        method = 'GET'
        body = null
        for (const name of REQUEST_BODY_HEADERS) headers.delete(name)
      }
      if (next.origin !== url.origin && body) {
        // A 307/308 would resend the body (an OAuth client secret, a tool's arguments) to
        // another site. Browsers do that; a server holding other people's secrets must not.
        throw new GuardedFetchError(
          'unsafe_redirect',
          `${url.host} redirected a request with a body to ${next.host}; Switchboard does not resend request bodies to another site.`,
        )
      }
      if (next.origin !== url.origin) {
        const kept = new Headers()
        for (const name of [...CROSS_ORIGIN_SAFE_HEADERS, ...(body ? ['content-type'] : [])]) {
          const value = headers.get(name)
          if (value !== null) kept.set(name, value)
        }
        headers = kept
      }
      previous = url
      exchange.url = next
    }
  } catch (error) {
    clearTimeout(headersTimer)
    exchange.release()
    throw error
  }
}

/**
 * Builds a guarded fetch for one policy; unset fields take the defaults in guarded-fetch-policy.server.ts, and the
 * allowlist defaults to OUTBOUND_ALLOWED_NETWORKS. Throws ConfigError for a bad allowlist entry.
 */
export function createGuardedFetch(overrides: Partial<OutboundPolicy> = {}): GuardedFetch {
  const policy: OutboundPolicy = {
    allowedNetworks: overrides.allowedNetworks ?? getEnv().OUTBOUND_ALLOWED_NETWORKS,
    connectTimeoutMs: overrides.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    headersTimeoutMs: overrides.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: overrides.bodyTimeoutMs ?? BODY_TIMEOUT_MS,
    eventStreamIdleTimeoutMs: overrides.eventStreamIdleTimeoutMs ?? EVENT_STREAM_IDLE_TIMEOUT_MS,
    maxResponseBytes: overrides.maxResponseBytes ?? MAX_RESPONSE_BYTES,
    maxEventStreamBytes: overrides.maxEventStreamBytes ?? MAX_EVENT_STREAM_BYTES,
    maxRedirects: overrides.maxRedirects ?? MAX_REDIRECTS,
    keepAlive: overrides.keepAlive ?? true,
  }
  const rules = createAddressRules(policy.allowedNetworks)
  const agent = new Agent({
    connect: { timeout: policy.connectTimeoutMs, lookup: guardedLookup(rules) },
    // Headers and body are timed by send() and guardBody(); undici's own timers would cut event streams.
    headersTimeout: 0,
    bodyTimeout: 0,
    // undici: pipelining 0 means no keep-alive.
    ...(policy.keepAlive ? {} : { pipelining: 0 }),
  })
  return async (input, init) => send(policy, rules, agent, input, init)
}

let defaultFetch: GuardedFetch | undefined

/**
 * fetch for user- or server-chosen URLs with the default policy. Rejects with GuardedFetchError
 * (or the caller's abort reason), and throws ConfigError when OUTBOUND_ALLOWED_NETWORKS is invalid.
 */
export async function guardedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  defaultFetch ??= createGuardedFetch()
  return defaultFetch(input, init)
}
