// Metadata discovery (RFC 9728 protected-resource and RFC 8414 authorization-server metadata),
// the checks the metadata must pass, and issuer comparison. Cached by oauth/discovery.server.ts.
import { buildDiscoveryUrls, discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { checkResourceAllowed } from '@modelcontextprotocol/sdk/shared/auth-utils.js'
import { type AuthorizationServerMetadata, OAuthMetadataSchema, type OAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import { OAuthProblem, toOAuthProblem } from '#app/oauth/errors.server.ts'
import type { OAuthException } from '#app/oauth/rules.ts'
import { isAcceptableEndpoint, shortUrl } from '#app/oauth/http.server.ts'
import { logOAuthStep } from '#app/oauth/log.server.ts'

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

/** Protected-resource metadata as found: `url` is the challenge's URL when it was used, `foundAt` the URL that answered. */
export type FoundResourceMetadata = { metadata: OAuthProtectedResourceMetadata; url: string | null; foundAt: string }
/**
 * Two issuer identifiers are the same only when they are the same string (RFC 8414 §3.3,
 * RFC 9207 §2.4): no case folding, no default-port elision, no trailing-slash or path
 * normalisation. See docs/decisions/014-discovery-to-the-letter.md.
 */
export function sameIssuer(a: string, b: string): boolean {
  return a === b
}
/**
 * MCP 2025-03-26 discovery found an issuer on the server's origin but with a path
 * (`https://host/oauth`): used, and shown on the server page, because the spec had the origin
 * itself be the authorization server.
 */
export function legacyIssuerWithPath(serverUrl: string, issuer: string): boolean {
  const origin = new URL(serverUrl).origin
  return issuer !== origin && issuer !== `${origin}/`
}
/** Notes the URL of every request, so a log line can name the endpoint a library call ended at. */
function trackingFetch(base: FetchLike): { fetch: FetchLike; last: () => string | null } {
  let last: string | null = null
  return {
    fetch: (input, init) => {
      last = input instanceof Request ? input.url : String(input)
      return base(input, init)
    },
    last: () => last,
  }
}

function problemCode(error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  if (/does not implement OAuth 2\.0 Protected Resource Metadata/i.test(message)) return 'not_found'
  return toOAuthProblem(error, 'discovery').code
}

/**
 * RFC 9728 metadata: the challenge's `resource_metadata` first, then the path-based and root
 * well-known URLs (MCP 2025-11-25 "Protected Resource Metadata Discovery Requirements"). A
 * challenge URL that fails is skipped, not fatal: the well-known URLs may still answer.
 * Null when none publishes any. Throws OAuthProblem. `server.id` is null for a server being added.
 */
export async function fetchResourceMetadata(
  server: { id: string | null; url: string },
  challengeUrl: string | null,
  fetchFn: FetchLike,
): Promise<FoundResourceMetadata | null> {
  const step = 'discovery.resource_metadata'
  let mismatch: OAuthProblem | null = null
  if (challengeUrl !== null) {
    if (!isAcceptableEndpoint(challengeUrl)) {
      logOAuthStep(step, { serverId: server.id, issuer: null, endpoint: challengeUrl, outcome: 'skipped_not_https' })
    } else {
      const startedAt = performance.now()
      try {
        const metadata = await discoverOAuthProtectedResourceMetadata(server.url, { resourceMetadataUrl: challengeUrl }, fetchFn)
        mismatch = resourceMismatch(server, metadata)
        logOAuthStep(step, { serverId: server.id, issuer: null, endpoint: challengeUrl, outcome: mismatch ? 'resource_mismatch' : 'ok', startedAt })
        if (!mismatch) return { metadata, url: challengeUrl, foundAt: challengeUrl }
      } catch (error) {
        logOAuthStep(step, { serverId: server.id, issuer: null, endpoint: challengeUrl, outcome: problemCode(error), startedAt })
      }
    }
  }
  const tracked = trackingFetch(fetchFn)
  const startedAt = performance.now()
  let metadata: OAuthProtectedResourceMetadata
  try {
    metadata = await discoverOAuthProtectedResourceMetadata(server.url, {}, tracked.fetch)
  } catch (error) {
    const outcome = problemCode(error)
    logOAuthStep(step, { serverId: server.id, issuer: null, endpoint: tracked.last() ?? server.url, outcome, startedAt })
    if (mismatch) throw mismatch
    if (outcome === 'not_found') return null
    throw describeMetadataFailure(error, 'protected-resource metadata')
  }
  const wrongResource = resourceMismatch(server, metadata)
  logOAuthStep(step, { serverId: server.id, issuer: null, endpoint: tracked.last(), outcome: wrongResource ? 'resource_mismatch' : 'ok', startedAt })
  if (wrongResource) throw wrongResource
  return { metadata, url: null, foundAt: tracked.last() ?? server.url }
}

/** RFC 9728 §3.3: metadata for another resource than this server's URL is not used. */
function resourceMismatch(server: { url: string }, metadata: OAuthProtectedResourceMetadata): OAuthProblem | null {
  if (checkResourceAllowed({ requestedResource: server.url, configuredResource: metadata.resource })) return null
  return new OAuthProblem(
    'resource_mismatch',
    `The server’s protected-resource metadata names another resource (${shortUrl(metadata.resource)}) than this server’s URL. Switchboard refuses it so that tokens only go where they belong; check the server URL.`,
    { status: 502 },
  )
}

/**
 * RFC 8414 / OpenID Connect Discovery metadata of `issuer`, in the SDK's URL order (RFC 8414
 * §3.1 insertion, then OpenID's inserted and appended forms for an issuer with a path). Parsed
 * with the RFC 8414 schema, which keeps unknown fields, whichever document answered: the
 * SDK's OpenID schema drops `revocation_endpoint`, `authorization_response_iss_parameter_supported`
 * and the rest. Undefined when no URL answers. Throws on a 5xx, a network failure or an unusable body.
 */
export async function fetchAuthorizationServerMetadata(serverId: string | null, issuer: string, fetchFn: FetchLike): Promise<AuthorizationServerMetadata | undefined> {
  const step = 'discovery.authorization_server_metadata'
  let last: string | null = null
  const startedAt = performance.now()
  try {
    for (const { url } of buildDiscoveryUrls(issuer)) {
      last = url.href
      const response = await fetchFn(url.href, { headers: { Accept: 'application/json' } })
      if (!response.ok) {
        await response.body?.cancel().catch(() => {})
        // RFC 8414 §3.2 / OpenID: a 4xx only means "not published here".
        if (response.status < 500) continue
        throw new Error(`HTTP ${response.status} trying to load authorization server metadata`)
      }
      const metadata = OAuthMetadataSchema.parse(await response.json())
      logOAuthStep(step, { serverId, issuer, endpoint: last, outcome: 'ok', startedAt })
      return metadata
    }
  } catch (error) {
    logOAuthStep(step, { serverId, issuer, endpoint: last, outcome: toOAuthProblem(error, 'discovery').code, startedAt })
    throw error
  }
  logOAuthStep(step, { serverId, issuer, endpoint: last, outcome: 'not_found', startedAt })
  return undefined
}

/** Discovery without the cache: the challenge URL first, then the well-known URLs. Throws OAuthProblem. */
export async function discoverFresh(server: DiscoveryTarget, challengeUrl: string | null, fetchFn: FetchLike): Promise<OAuthDiscovery> {
  const legacyAllowed = server.exceptions.includes('legacy_discovery')
  const omitResource = server.exceptions.includes('omit_resource')

  const found = await fetchResourceMetadata(server, challengeUrl, fetchFn)
  if (!found && !legacyAllowed) {
    throw new OAuthProblem(
      'discovery_failed',
      'The server does not publish OAuth protected-resource metadata, so Switchboard cannot tell which authorization server to use. If it is an MCP 2025-03-26 server, an admin can enable the exception “MCP 2025-03-26 discovery”.',
      { status: 502 },
    )
  }
  const resourceMetadata = found?.metadata ?? null

  // The issuer is kept as the metadata spells it: it is compared as an exact string (RFC 8414 §3.3).
  let issuer: string
  let resource: string
  if (resourceMetadata) {
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
    metadata = await fetchAuthorizationServerMetadata(server.id, issuer, fetchFn)
  } catch (error) {
    throw describeMetadataFailure(error, 'authorization-server metadata')
  }
  if (!metadata) {
    if (!legacyAllowed) {
      throw new OAuthProblem('discovery_failed', `The authorization server ${shortUrl(issuer)} publishes no metadata (RFC 8414 or OpenID Connect discovery).`, { status: 502 })
    }
    metadata = legacyDefaultMetadata(issuer)
  } else if (!resourceMetadata && sameOrigin(metadata.issuer, issuer)) {
    // MCP 2025-03-26 had no issuer to compare with, only the origin: the metadata at the origin
    // names the issuer, which may have a path (`https://host/oauth`). Another origin stays refused.
    issuer = metadata.issuer
  } else if (!sameIssuer(metadata.issuer, issuer)) {
    throw new OAuthProblem(
      'issuer_mismatch',
      `The authorization server’s metadata names another issuer (${shortUrl(metadata.issuer)}) than the one it was found at (${shortUrl(issuer)}). Switchboard refuses it (RFC 8414 §3.3).`,
      { status: 502 },
    )
  }
  checkMetadata(metadata, server.exceptions)

  return {
    resourceMetadataUrl: found?.url ?? null,
    resourceMetadata,
    issuer,
    metadata,
    resource: omitResource ? null : resource,
    legacy: resourceMetadata === null,
  }
}

/** `issuer` is `origin` itself or a path on it, compared as strings (no normalisation). */
function sameOrigin(issuer: string, origin: string): boolean {
  return issuer === origin || issuer.startsWith(`${origin}/`)
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
