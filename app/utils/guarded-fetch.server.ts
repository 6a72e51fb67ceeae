import { lookup as dnsLookup } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { Agent, fetch as undiciFetch, type Response as UndiciResponse } from 'undici'
import { getEnv } from '#app/utils/env.server.ts'
import {
  createAddressRules,
  describeAddressClass,
  type AddressRules,
  type AddressVerdict,
} from '#app/utils/ip-rules.server.ts'

/**
 * The one fetch for URLs that a user or a remote server chose (docs/decisions/005-guarded-fetch.md):
 * http(s) only, no private or special addresses unless OUTBOUND_ALLOWED_NETWORKS allows them, the
 * connection goes to the address that was checked, redirects are re-checked hop by hop, and every
 * request has time and size limits. Every failure is a GuardedFetchError, never a TypeError.
 */

export const CONNECT_TIMEOUT_MS = 10_000
/** From the call until the final response's headers, across redirects. */
export const HEADERS_TIMEOUT_MS = 30_000
/** Whole-body limit for responses that are not event streams, from the headers on. */
export const BODY_TIMEOUT_MS = 30_000
/** Longest silence between two chunks of a text/event-stream body; such bodies have no total limit. */
export const EVENT_STREAM_IDLE_TIMEOUT_MS = 5 * 60_000
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024
export const MAX_EVENT_STREAM_BYTES = 64 * 1024 * 1024
export const MAX_REDIRECTS = 5

export type OutboundPolicy = {
  /** CIDRs, single addresses and exact host names exempt from the address rules (OUTBOUND_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[]
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  eventStreamIdleTimeoutMs: number
  maxResponseBytes: number
  maxEventStreamBytes: number
  maxRedirects: number
  /** Reuse connections (default). Off for rare, non-idempotent requests such as OAuth token calls, which a stale pooled socket would fail. */
  keepAlive: boolean
}

export type GuardedFetchReason =
  | 'bad_url'
  | 'bad_scheme'
  | 'blocked_address'
  | 'dns_failure'
  | 'connect_refused'
  | 'connect_timeout'
  | 'timeout'
  | 'tls_error'
  | 'too_large'
  | 'too_many_redirects'
  | 'unsafe_redirect'
  | 'network'

/**
 * A refused or failed outbound request. The message names host and port only: never a query
 * string, header value or body. NOTE: deliberately not a TypeError, which the MCP SDK's OAuth
 * discovery reads as a CORS failure and answers by silently trying the next URL.
 */
export class GuardedFetchError extends Error {
  override name = 'GuardedFetchError'
  readonly reason: GuardedFetchReason

  constructor(reason: GuardedFetchReason, message: string, options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/** Usable wherever the MCP SDK takes a `fetch` (its FetchLike). */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

const PRIVATE_NETWORK_HINT =
  'Switchboard does not connect to private networks unless an administrator allows it (OUTBOUND_ALLOWED_NETWORKS).'
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
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
const DNS_ERROR_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL'])

/** Pre-checked errors from OpenSSL's certificate verification (X509_V_ERR_* names without the prefix). */
const CERTIFICATE_ERROR_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in an untrusted self-signed certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not issued by a trusted authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate chain is incomplete or not trusted',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is issued for another host name',
}

function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`
  return `${bytes} bytes`
}

/** "example.com:443", "[::1]:8080": what error messages may name (never the path or query). */
function hostAndPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
}

function blockedError(subject: string, verdict: Extract<AddressVerdict, { ok: false }>, resolved: boolean) {
  // A name's resolved addresses stay out of the message: it would tell a user the internal layout of our network.
  const what = resolved
    ? `${subject} resolves to ${describeAddressClass({ category: verdict.classification.category })}`
    : `${subject} is ${describeAddressClass(verdict.classification)}`
  return new GuardedFetchError('blocked_address', `${what}; ${PRIVATE_NETWORK_HINT}`)
}

/**
 * The DNS step of every connection: resolves all addresses, refuses the connection when any
 * of them is not allowed, and hands the checked addresses to the socket, so nothing resolves twice.
 */
function guardedLookup(rules: AddressRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
      const first = addresses?.[0]
      if (error || !first) {
        const code = error?.code ? ` (${error.code})` : ''
        callback(
          new GuardedFetchError(
            'dns_failure',
            `The host name ${hostname} could not be resolved${code}. Check the spelling of the address.`,
          ),
          [],
        )
        return
      }
      // Refuse when any address is not allowed rather than connecting to the allowed ones:
      // a name that mixes public and private addresses is misconfigured or hostile.
      const verdict = rules.checkResolved(
        hostname,
        addresses.map((entry) => entry.address),
      )
      if (!verdict.ok) callback(blockedError(hostname, verdict, true), [])
      else if (options.all) callback(null, addresses)
      else callback(null, first.address, first.family)
    })
  }
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === 'string') return input
  return input instanceof URL ? input.href : input.url
}

/** Refuses a URL we must not send anything to; literals are checked here, names in guardedLookup. */
function assertTarget(url: URL, rules: AddressRules): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GuardedFetchError(
      'bad_scheme',
      `Only http: and https: addresses are supported, not ${url.protocol} (host ${url.host || 'none'}).`,
    )
  }
  if (url.username || url.password) {
    throw new GuardedFetchError(
      'bad_url',
      `The address for ${url.host} contains a user name or password; Switchboard does not send credentials in URLs.`,
    )
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host)) {
    const verdict = rules.checkAddress(host)
    if (!verdict.ok) throw blockedError(host, verdict, false)
  }
}

/** Digs the low-level error out of undici's `TypeError('fetch failed', { cause })`. */
function rootCause(error: unknown): unknown {
  let current = error
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof GuardedFetchError) return current
    // Happy eyeballs reports one error per address attempted; the first one is representative.
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0]
      continue
    }
    if (current instanceof Error && current.cause !== undefined && !errorCode(current)) {
      current = current.cause
      continue
    }
    break
  }
  return current
}

function errorCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code
  return undefined
}

function isTlsCode(code: string): boolean {
  return code in CERTIFICATE_ERROR_TEXT || /^ERR_(SSL|TLS)_/.test(code) || /CERT/.test(code)
}

function connectionFailure(error: unknown, url: URL, policy: OutboundPolicy): GuardedFetchError {
  const cause = rootCause(error)
  if (cause instanceof GuardedFetchError) return cause
  const where = hostAndPort(url)
  const code = errorCode(cause)
  const options = cause instanceof Error ? { cause } : undefined
  // undici applies the Fetch standard's port blocklist (https://fetch.spec.whatwg.org/#port-blocking)
  // and says so only in the message.
  if (cause instanceof Error && cause.message === 'bad port') {
    return new GuardedFetchError(
      'bad_url',
      `Port ${url.port} of ${url.hostname} belongs to another protocol (such as mail or IRC); fetch does not connect to it.`,
    )
  }
  if (code === 'ECONNREFUSED') {
    return new GuardedFetchError(
      'connect_refused',
      `${where} refused the connection. Check the port and that the server is running.`,
      options,
    )
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return new GuardedFetchError(
      'connect_timeout',
      `Connecting to ${where} timed out after ${formatDuration(policy.connectTimeoutMs)}.`,
      options,
    )
  }
  if (code && DNS_ERROR_CODES.has(code)) {
    return new GuardedFetchError(
      'dns_failure',
      `The host name ${url.hostname} could not be resolved (${code}).`,
      options,
    )
  }
  if (code && isTlsCode(code)) {
    const problem =
      CERTIFICATE_ERROR_TEXT[code] ??
      (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code)
        ? 'the server does not speak TLS on this port; it may be a plain http server'
        : 'the TLS handshake failed')
    return new GuardedFetchError(
      'tls_error',
      `Could not set up a secure connection to ${where}: ${problem} (${code}).`,
      options,
    )
  }
  return new GuardedFetchError('network', `The connection to ${where} failed${code ? ` (${code})` : ''}.`, options)
}

function isEventStream(response: UndiciResponse): boolean {
  return response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream'
}

type Exchange = {
  policy: OutboundPolicy
  url: URL
  controller: AbortController
  /** Detaches from the caller's signal; called once the exchange is over. */
  release: () => void
}

/**
 * Wraps the body with the size cap and the body timeouts: an idle limit between chunks for
 * event streams (they may stay open for hours), a total limit for everything else.
 */
function guardBody(source: NonNullable<UndiciResponse['body']>, eventStream: boolean, exchange: Exchange) {
  const { policy, url, controller: abortController, release } = exchange
  const where = hostAndPort(url)
  const maxBytes = eventStream ? policy.maxEventStreamBytes : policy.maxResponseBytes
  const reader = source.getReader()
  let received = 0
  let settled = false
  let timer: NodeJS.Timeout | undefined
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined

  const settle = () => {
    settled = true
    clearTimeout(timer)
    release()
  }
  const fail = (error: unknown) => {
    if (settled) return
    settle()
    streamController?.error(error)
    if (!abortController.signal.aborted) abortController.abort(error)
    reader.cancel(error).catch(() => {})
  }
  const arm = (ms: number, message: string) => {
    clearTimeout(timer)
    timer = setTimeout(() => fail(new GuardedFetchError('timeout', message)), ms)
    timer.unref()
  }
  // Re-arming on every chunk of an event stream: refresh() restarts the same timer (cheaper than a new one).
  const armIdle = () => {
    if (timer) timer.refresh()
    else {
      arm(
        policy.eventStreamIdleTimeoutMs,
        `The event stream from ${where} sent nothing for ${formatDuration(policy.eventStreamIdleTimeoutMs)}.`,
      )
    }
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      streamController = controller
      if (eventStream) armIdle()
      else {
        arm(
          policy.bodyTimeoutMs,
          `The response from ${where} took longer than ${formatDuration(policy.bodyTimeoutMs)} to arrive.`,
        )
      }
    },
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        const signal = abortController.signal
        if (signal.aborted) fail(signal.reason)
        else {
          const cause = rootCause(error)
          fail(
            cause instanceof GuardedFetchError
              ? cause
              : new GuardedFetchError(
                  'network',
                  `The connection to ${where} broke off before the response was complete.`,
                  cause instanceof Error ? { cause } : undefined,
                ),
          )
        }
        return
      }
      if (settled) return
      if (chunk.done) {
        settle()
        controller.close()
        return
      }
      received += chunk.value.byteLength
      if (received > maxBytes) {
        fail(new GuardedFetchError('too_large', `The response from ${where} is larger than ${formatBytes(maxBytes)}.`))
        return
      }
      if (eventStream) armIdle()
      controller.enqueue(chunk.value)
    },
    async cancel(reason) {
      if (settled) return
      settle()
      await reader.cancel(reason)
    },
  })
}

/** Turns undici's response into a global Response with a guarded body, and the url and redirected of a fetch. */
async function finalResponse(response: UndiciResponse, redirected: boolean, exchange: Exchange): Promise<Response> {
  const { policy, url, release } = exchange
  // NOTE: undici passes on any three-digit status, but a Response can only be built for 200-599.
  if (response.status < 200 || response.status > 599) {
    release()
    await response.body?.cancel()
    throw new GuardedFetchError(
      'network',
      `${hostAndPort(url)} answered with an invalid HTTP status (${response.status}).`,
    )
  }
  const eventStream = isEventStream(response)
  const maxBytes = eventStream ? policy.maxEventStreamBytes : policy.maxResponseBytes
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > maxBytes) {
    release()
    await response.body?.cancel()
    throw new GuardedFetchError(
      'too_large',
      `The response from ${hostAndPort(url)} is ${formatBytes(declared)}, more than the ${formatBytes(
        maxBytes,
      )} allowed.`,
    )
  }
  let body: ReadableStream<Uint8Array> | null = null
  if (response.body && !NULL_BODY_STATUSES.has(response.status)) body = guardBody(response.body, eventStream, exchange)
  else {
    release()
    await response.body?.cancel()
  }
  const headers = new Headers()
  for (const [name, value] of response.headers) headers.append(name, value)
  const result = new Response(body, { status: response.status, statusText: response.statusText, headers })
  // A constructed Response has an empty url; the SDK and eventsource read url and redirected.
  Object.defineProperty(result, 'url', { value: url.href })
  Object.defineProperty(result, 'redirected', { value: redirected })
  return result
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
 * Builds a guarded fetch for one policy; unset fields take the defaults above, and the
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

/** The GuardedFetchError behind an error (SDKs wrap it in their own errors as `cause`), or null. */
export function findGuardedFetchError(error: unknown): GuardedFetchError | null {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof GuardedFetchError) return current
    current = current instanceof Error ? current.cause : undefined
  }
  return null
}
