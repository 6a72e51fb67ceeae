import { type OutboundPolicy } from '#app/utils/guarded-fetch-policy.server.ts'

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

export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`
  return `${bytes} bytes`
}

/** "example.com:443", "[::1]:8080": what error messages may name (never the path or query). */
export function hostAndPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`
}

/** Digs the low-level error out of undici's `TypeError('fetch failed', { cause })`. */
export function rootCause(error: unknown): unknown {
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

export function connectionFailure(error: unknown, url: URL, policy: OutboundPolicy): GuardedFetchError {
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

/** The GuardedFetchError behind an error (SDKs wrap it in their own errors as `cause`), or null. */
export function findGuardedFetchError(error: unknown): GuardedFetchError | null {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof GuardedFetchError) return current
    current = current instanceof Error ? current.cause : undefined
  }
  return null
}
