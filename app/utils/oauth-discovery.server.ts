import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js'
import type { AuthorizationServerMetadata, OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import { getDb } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { type GuardedFetch, createGuardedFetch } from '#app/utils/guarded-fetch.server.ts'
import { OAuthProblem, toOAuthProblem } from '#app/utils/oauth-errors.server.ts'
import type { OAuthException } from '#app/utils/oauth-exceptions.ts'

/** What Switchboard learnt about a server's authorization, checked against the rules below. */
export type OAuthDiscovery = {
  /** The protected-resource metadata URL used (from the challenge, or the well-known default). */
  resourceMetadataUrl: string | null
  resourceMetadata: OAuthProtectedResourceMetadata | null
  /** The authorization server's issuer identifier. */
  issuer: string
  metadata: AuthorizationServerMetadata
  /** The RFC 8707 resource indicator to send, or null (exception `omit_resource`, or none known). */
  resource: string | null
  /** True when `legacy_discovery` applied (no protected-resource metadata). */
  legacy: boolean
}

/** A server as discovery needs it. */
export type DiscoveryTarget = {
  id: string
  url: string
  exceptions: readonly OAuthException[]
}

/** Metadata documents are small; anything bigger is refused. */
export const MAX_METADATA_BYTES = 256 * 1024
/** Cached discovery lives this long when the server says nothing (Cache-Control), and never longer than the cap. */
export const DEFAULT_DISCOVERY_TTL_MS = 15 * 60 * 1000
export const MAX_DISCOVERY_TTL_MS = 24 * 60 * 60 * 1000

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

/** Two issuer identifiers are the same when equal, ignoring only the "/" of an empty path. */
export function sameIssuer(a: string, b: string): boolean {
  const strip = (value: string) => (/^https?:\/\/[^/]+\/$/.test(value) ? value.slice(0, -1) : value)
  return strip(a) === strip(b)
}

/** Counts the smallest Cache-Control max-age seen; no-store or no-cache means "do not cache". */
type CachePolicy = { maxAgeSeconds: number | null; noStore: boolean }

function recordingFetch(base: GuardedFetch, policy: CachePolicy): FetchLike {
  return async (input, init) => {
    const response = await base(input, init)
    if (response.ok) {
      const header = response.headers.get('cache-control') ?? ''
      if (/\bno-(?:store|cache)\b/i.test(header)) policy.noStore = true
      const maxAge = /\bmax-age\s*=\s*(\d+)/i.exec(header)?.[1]
      if (maxAge !== undefined) policy.maxAgeSeconds = Math.min(policy.maxAgeSeconds ?? Infinity, Number(maxAge))
    }
    return response
  }
}

function cacheTtlMs(policy: CachePolicy): number {
  if (policy.noStore) return 0
  if (policy.maxAgeSeconds === null) return DEFAULT_DISCOVERY_TTL_MS
  return Math.min(policy.maxAgeSeconds * 1000, MAX_DISCOVERY_TTL_MS)
}

type CachedDiscovery = OAuthDiscovery & { url: string; challengeResourceMetadataUrl: string | null; exceptions: string }

/**
 * Discovery for `server`, from the cache when it is fresh and was made for the same challenge
 * and exceptions. `resourceMetadataUrl` comes from a 401 challenge when there was one.
 * Throws OAuthProblem.
 */
export async function discoverOAuth(
  server: DiscoveryTarget,
  options: { resourceMetadataUrl?: string | null; force?: boolean; fetch?: GuardedFetch } = {},
): Promise<OAuthDiscovery> {
  const challengeUrl = options.resourceMetadataUrl ?? null
  const exceptionsKey = [...server.exceptions].sort().join(',')
  if (!options.force) {
    const cached = await readCache(server.id)
    if (
      cached &&
      cached.url === server.url &&
      (challengeUrl === null || cached.challengeResourceMetadataUrl === challengeUrl) &&
      cached.exceptions === exceptionsKey
    ) {
      return cached
    }
  }
  const policy: CachePolicy = { maxAgeSeconds: null, noStore: false }
  const discovery = await discoverFresh(server, challengeUrl, recordingFetch(options.fetch ?? oauthFetch(), policy))
  const ttl = cacheTtlMs(policy)
  const value: CachedDiscovery = { ...discovery, url: server.url, challengeResourceMetadataUrl: challengeUrl, exceptions: exceptionsKey }
  await getDb().mcpServer.updateMany({
    where: { id: server.id, url: server.url },
    data: ttl > 0
      ? { oauthDiscovery: JSON.stringify(value), oauthDiscoveryExpiresAt: new Date(Date.now() + ttl) }
      : { oauthDiscovery: null, oauthDiscoveryExpiresAt: null },
  })
  return discovery
}

async function readCache(serverId: string): Promise<CachedDiscovery | null> {
  const row = await getDb().mcpServer.findUnique({
    where: { id: serverId },
    select: { oauthDiscovery: true, oauthDiscoveryExpiresAt: true },
  })
  if (!row?.oauthDiscovery || !row.oauthDiscoveryExpiresAt || row.oauthDiscoveryExpiresAt.getTime() <= Date.now()) return null
  try {
    return JSON.parse(row.oauthDiscovery) as CachedDiscovery
  } catch {
    return null
  }
}

/** Drops a server's cached discovery (its issuer or endpoints may have changed). */
export async function forgetDiscovery(serverId: string): Promise<void> {
  await getDb().mcpServer.updateMany({ where: { id: serverId }, data: { oauthDiscovery: null, oauthDiscoveryExpiresAt: null } })
}

async function discoverFresh(server: DiscoveryTarget, challengeUrl: string | null, fetchFn: FetchLike): Promise<OAuthDiscovery> {
  const legacyAllowed = server.exceptions.includes('legacy_discovery')
  const omitResource = server.exceptions.includes('omit_resource')
  if (challengeUrl !== null && !isAcceptableEndpoint(challengeUrl)) {
    throw new OAuthProblem('discovery_failed', 'The server’s sign-in challenge points at an address Switchboard does not use (it must be https).', { status: 502 })
  }

  let resourceMetadata: OAuthProtectedResourceMetadata | null = null
  try {
    resourceMetadata = await discoverOAuthProtectedResourceMetadata(
      server.url,
      challengeUrl ? { resourceMetadataUrl: challengeUrl } : {},
      fetchFn,
    )
  } catch (error) {
    const notFound = error instanceof Error && /does not implement OAuth 2\.0 Protected Resource Metadata/i.test(error.message)
    if (!(notFound && legacyAllowed)) {
      if (notFound) {
        throw new OAuthProblem(
          'discovery_failed',
          'The server does not publish OAuth protected-resource metadata, so Switchboard cannot tell which authorization server to use. If it is an MCP 2025-03-26 server, an admin can enable the exception “MCP 2025-03-26 discovery”.',
          { status: 502 },
        )
      }
      throw describeMetadataFailure(error, 'protected-resource metadata')
    }
  }

  let issuer: string
  let resource: string
  if (resourceMetadata) {
    if (!checkResourceAllowed({ requestedResource: server.url, configuredResource: resourceMetadata.resource })) {
      throw new OAuthProblem(
        'resource_mismatch',
        `The server’s protected-resource metadata names another resource (${shortUrl(resourceMetadata.resource)}) than this server’s URL. Switchboard refuses it so that tokens only go where they belong; check the server URL.`,
        { status: 502 },
      )
    }
    const first = resourceMetadata.authorization_servers?.[0]
    if (!first) {
      throw new OAuthProblem('discovery_failed', 'The server’s protected-resource metadata names no authorization server.', { status: 502 })
    }
    issuer = first
    resource = resourceMetadata.resource
  } else {
    // MCP 2025-03-26: the MCP server's origin is the authorization server.
    issuer = new URL(server.url).origin
    resource = canonicalResource(server.url)
  }
  if (!isAcceptableEndpoint(issuer)) {
    throw new OAuthProblem('discovery_failed', `The authorization server ${shortUrl(issuer)} is not https; Switchboard only signs in over https (http is allowed on this computer only).`, { status: 502 })
  }

  let metadata: AuthorizationServerMetadata | undefined
  try {
    metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn })
  } catch (error) {
    throw describeMetadataFailure(error, 'authorization-server metadata')
  }
  if (!metadata) {
    if (!legacyAllowed) {
      throw new OAuthProblem('discovery_failed', `The authorization server ${shortUrl(issuer)} publishes no metadata (RFC 8414 or OpenID Connect discovery).`, { status: 502 })
    }
    metadata = legacyDefaultMetadata(issuer)
  } else if (!sameIssuer(metadata.issuer, issuer)) {
    throw new OAuthProblem(
      'issuer_mismatch',
      `The authorization server’s metadata names another issuer (${shortUrl(metadata.issuer)}) than the one it was found at (${shortUrl(issuer)}). Switchboard refuses it (RFC 8414 §3.3).`,
      { status: 502 },
    )
  }
  checkMetadata(metadata, server.exceptions)

  return {
    resourceMetadataUrl: challengeUrl,
    resourceMetadata,
    issuer,
    metadata,
    resource: omitResource ? null : resource,
    legacy: resourceMetadata === null,
  }
}

/** RFC 7009 revocation endpoint (in RFC 8414 metadata; the OpenID type of the SDK lacks it). */
export function revocationEndpoint(metadata: AuthorizationServerMetadata): string | undefined {
  const value = (metadata as { revocation_endpoint?: unknown }).revocation_endpoint
  return typeof value === 'string' ? value : undefined
}

/** The server URL as an RFC 8707 resource indicator: no fragment, lower-case scheme and host. */
export function canonicalResource(serverUrl: string): string {
  const url = new URL(serverUrl)
  url.hash = ''
  return url.href
}

function legacyDefaultMetadata(issuer: string): AuthorizationServerMetadata {
  const base = new URL(issuer)
  return {
    issuer: base.origin,
    authorization_endpoint: new URL('/authorize', base).href,
    token_endpoint: new URL('/token', base).href,
    registration_endpoint: new URL('/register', base).href,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    // Servers of that revision (the SDK's among them) read client credentials from the body.
    token_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
  }
}

function checkMetadata(metadata: AuthorizationServerMetadata, exceptions: readonly OAuthException[]): void {
  const methods = metadata.code_challenge_methods_supported
  if (!methods?.includes('S256') && !(methods === undefined && exceptions.includes('assume_pkce_s256'))) {
    throw new OAuthProblem(
      'pkce_unsupported',
      methods === undefined
        ? 'The authorization server’s metadata does not say it supports PKCE (S256). If you know it does, an admin can enable the exception “Use PKCE S256 although the metadata does not list it”.'
        : 'The authorization server does not support PKCE with S256, which Switchboard requires.',
      { status: 502 },
    )
  }
  if (metadata.response_types_supported && !metadata.response_types_supported.includes('code')) {
    throw new OAuthProblem('discovery_failed', 'The authorization server does not support the authorization code flow.', { status: 502 })
  }
  for (const [name, value] of [
    ['authorization endpoint', metadata.authorization_endpoint],
    ['token endpoint', metadata.token_endpoint],
    ['registration endpoint', metadata.registration_endpoint],
    ['revocation endpoint', revocationEndpoint(metadata)],
  ] as const) {
    if (value !== undefined && !isAcceptableEndpoint(value)) {
      throw new OAuthProblem('discovery_failed', `The authorization server’s ${name} (${shortUrl(value)}) is not an https address. Switchboard refuses it.`, { status: 502 })
    }
  }
}

function describeMetadataFailure(error: unknown, what: string): OAuthProblem {
  const problem = toOAuthProblem(error, `discovery (${what})`)
  if (problem.code === 'protocol_error' || problem.code === 'server_error') {
    return new OAuthProblem(
      'discovery_failed',
      `Could not read the ${what}: the answer was not usable (${problem.code === 'server_error' ? 'a server error' : 'not valid metadata'}). Try again later, or check the server URL.`,
      { status: 502, retryable: problem.retryable, cause: error },
    )
  }
  return problem
}

/** Origin and path only: never a query string. */
function shortUrl(value: string): string {
  try {
    const url = new URL(value)
    return `${url.origin}${url.pathname === '/' ? '' : url.pathname}`.slice(0, 200)
  } catch {
    return value.slice(0, 100)
  }
}
