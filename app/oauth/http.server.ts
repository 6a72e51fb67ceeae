// The OAuth HTTP client: the guarded fetch every OAuth request goes through, and the checks on
// the addresses it may be sent to.
import { getEnv } from '#app/utils/env.server.ts'
import { type GuardedFetch, createGuardedFetch } from '#app/utils/guarded-fetch.server.ts'

/** Metadata documents are small; anything bigger is refused. */
export const MAX_METADATA_BYTES = 256 * 1024

let metadataFetch: GuardedFetch | undefined

/** The guarded fetch for metadata, registration, token and revocation requests. */
export function oauthFetch(): GuardedFetch {
  const timeoutMs = getEnv().OAUTH_TIMEOUT_MS
  metadataFetch ??= createGuardedFetch({
    headersTimeoutMs: timeoutMs,
    bodyTimeoutMs: timeoutMs,
    maxResponseBytes: MAX_METADATA_BYTES,
    maxRedirects: 0,
    // A token exchange is not retried by the HTTP client: never send it on a pooled socket the
    // authorization server may have closed (a restart, an idle timeout at a proxy).
    keepAlive: false,
  })
  return metadataFetch
}

/** For tests: forget the fetch built from the current environment. */
export function resetOAuthFetch(): void {
  metadataFetch = undefined
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}

/** https, or http on a loopback host only (RFC 8252 §8.3 and OAuth 2.1 §1.5). */
export function isAcceptableEndpoint(value: string | undefined): boolean {
  if (!value) return false
  try {
    const url = new URL(value)
    if (url.username || url.password) return false
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  } catch {
    return false
  }
}


/** Origin and path only: never a query string. */
export function shortUrl(value: string): string {
  try {
    const url = new URL(value)
    return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`.slice(0, 200)
  } catch {
    return value.slice(0, 100)
  }
}
