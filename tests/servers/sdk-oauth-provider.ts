import { randomBytes } from 'node:crypto'
import express, { type RequestHandler, type Response } from 'express'
import { type OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js'
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { authorizationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/authorize.js'
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js'
import { clientRegistrationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/register.js'
import { revocationHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/revoke.js'
import { tokenHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/token.js'
import { type AuthorizationParams, type OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import {
  createOAuthMetadata,
  getOAuthProtectedResourceMetadataUrl,
} from '@modelcontextprotocol/sdk/server/auth/router.js'
import { type AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { type McpPeerEra } from '#tests/servers/mcp-v2-endpoint.ts'
import {
  type OAuthClientInformationFull,
  type OAuthMetadata,
  type OAuthProtectedResourceMetadata,
  type OAuthTokenRevocationRequest,
  type OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'

// The authorization server half of the SDK-based peers (sdk-auth-server.ts, preregistered-server.ts):
// an OAuthServerProvider that keeps everything in memory, like the SDK's demo provider, but with
// what a client's OAuth code has to cope with in the wild: rotating refresh tokens with reuse
// detection, RFC 7009 revocation, expiring access tokens, InvalidTokenError for bad tokens (so
// requireBearerAuth answers 401 with a challenge, not 500), and OAuth errors instead of plain
// Errors (which the SDK's handlers turn into 500 server_error). mountAuthorizationServer() adds
// the variants real servers differ in (AuthorizationServerVariantOptions) and the request counters.

/** Authorization codes live this long (RFC 6749 §4.1.2 recommends at most 10 minutes). */
const AUTHORIZATION_CODE_TTL_MS = 60_000

export type RevocationCounts = {
  /** Revocation requests that named a live access token, which was then revoked. */
  accessToken: number
  /** Revocation requests that named a live refresh token; its whole grant was then revoked. */
  refreshToken: number
  /** Revocation requests for a token the server does not know (or no longer knows): a no-op, RFC 7009 §2.2. */
  unknown: number
  /** Revocation requests for another client's token: refused with `invalid_request`. */
  refused: number
}

export type MetadataRequestCounts = {
  /** Requests to `/.well-known/oauth-protected-resource` and below, 404s included. */
  protectedResource: number
  /** Requests to `/.well-known/oauth-authorization-server` or `/.well-known/openid-configuration` and below, 404s included. */
  authorizationServer: number
}

/** What the authorization server half of a peer counts. A peer passes its stats object, which is updated in place. */
export type AuthorizationServerCounters = {
  /** Metadata requests by kind: with `/register`, `/authorize` and `/token` they count a client's first connect. */
  metadataRequests: MetadataRequestCounts
  /** HTTP requests to `/register`, refused ones (and 404s where there is no registration endpoint) included. */
  registrationRequests: number
  /** HTTP requests to `/authorize`, refused ones included. */
  authorizationRequests: number
  /** `/token` requests by `grant_type`, failed ones included (also those refused at client authentication). */
  tokenRequests: Record<string, number>
  /** `/token` answers that carried an OAuth error, by error code (`invalid_grant`, `invalid_client`, ...). */
  tokenErrors: Record<string, number>
  /** Authorization requests that reached the provider (valid client and redirect URI). */
  authorizations: number
  revocations: RevocationCounts
  /** Refresh tokens presented again after they had been rotated: each one revoked its grant. */
  refreshTokenReuse: number
}

export function createAuthorizationServerCounters(): AuthorizationServerCounters {
  return {
    metadataRequests: { protectedResource: 0, authorizationServer: 0 },
    registrationRequests: 0,
    authorizationRequests: 0,
    tokenRequests: {},
    tokenErrors: {},
    authorizations: 0,
    revocations: { accessToken: 0, refreshToken: 0, unknown: 0, refused: 0 },
    refreshTokenReuse: 0,
  }
}

/** Options the SDK-based peers share; each default is the behaviour they had before the option existed. */
export type AuthorizationServerVariantOptions = {
  /** Which SDK serves the MCP endpoint (mcp-v2-endpoint.ts): `v1` (default), `2026-only` or `2026-and-legacy`. */
  mcpEra?: McpPeerEra
  /**
   * Default true. False behaves like a 2025-03-26 server: `/.well-known/oauth-protected-resource*` is 404 and
   * 401 challenges carry no `resource_metadata`, so a client has to take the MCP origin as the authorization server.
   */
  protectedResourceMetadata?: boolean
  /**
   * Default true. False answers 401 (and 403) without any `WWW-Authenticate` challenge; with both metadata options
   * false, the server says nothing about how to sign in (Switchboard's "needs credentials").
   */
  bearerChallenge?: boolean
  /**
   * Default true. False makes the authorization server metadata URLs 404 too: a client has to fall back to the
   * default `/authorize`, `/token` and `/register` paths (MCP 2025-03-26 "Fallbacks for Servers without Metadata
   * Discovery"), which keep working.
   */
  authorizationServerMetadata?: boolean
  /** Default true. False leaves `code_challenge_methods_supported` out of the metadata; PKCE is still required. */
  advertiseS256?: boolean
  /**
   * Default false. True refuses any authorization or token request carrying RFC 8707 `resource` with
   * `invalid_target`, as Microsoft Entra ID does; tokens are still issued for the MCP URL.
   */
  rejectResourceParameter?: boolean
  /** The `resource` the protected-resource metadata claims (a URL). Default: the MCP URL. Tokens still name the MCP URL. */
  resourceOverride?: string
  /** A `Cache-Control` header for both metadata documents, e.g. `max-age=60`. Default: none. */
  metadataCacheControl?: string
}

export type InMemoryOAuthProviderOptions = {
  clientsStore: OAuthRegisteredClientsStore
  /** The protected resource (the MCP URL) that tokens are issued for (RFC 8707 audience). */
  resource: URL
  /** Every scope this server will grant; anything else is `invalid_scope`. */
  knownScopes: readonly string[]
  /** Scopes granted when an authorization request names none. */
  defaultScopes: readonly string[]
  accessTokenTtlSeconds: number
  issueRefreshTokens: boolean
  /** Refuse RFC 8707 `resource` with `invalid_target` instead of checking it. */
  rejectResourceParameter: boolean
  /** Incremented in place. */
  counters: Pick<AuthorizationServerCounters, 'authorizations' | 'revocations' | 'refreshTokenReuse'>
  /**
   * Known scopes an authorization request may name but that are never granted: left out of the
   * grant silently, as servers that down-scope do (RFC 6749 §3.3). Default none.
   */
  withheldScopes?: readonly string[]
}

type Grant = { id: string; clientId: string; scopes: string[]; resource: string; revoked: boolean }

type AuthorizationCode = {
  clientId: string
  params: AuthorizationParams
  scopes: string[]
  resource: string
  expiresAtMs: number
  /** Set once exchanged: a second exchange revokes what the first one issued (RFC 6749 §4.1.2). */
  grantId?: string
}

type AccessToken = { grantId: string; clientId: string; scopes: string[]; resource: string; expiresAtMs: number }
type RefreshToken = { grantId: string; clientId: string; scopes: string[]; resource: string; rotated: boolean }

export class InMemoryOAuthProvider implements OAuthServerProvider {
  readonly clientsStore: OAuthRegisteredClientsStore

  readonly #options: InMemoryOAuthProviderOptions
  readonly #codes = new Map<string, AuthorizationCode>()
  readonly #grants = new Map<string, Grant>()
  readonly #accessTokens = new Map<string, AccessToken>()
  readonly #refreshTokens = new Map<string, RefreshToken>()

  constructor(options: InMemoryOAuthProviderOptions) {
    this.#options = options
    this.clientsStore = options.clientsStore
  }

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response) {
    this.#options.counters.authorizations += 1
    // Errors thrown here are OAuth errors: the SDK's handler redirects them to the client (RFC 6749 §4.1.2.1).
    this.#refuseResourceParameter(params.resource)
    const withheld = this.#options.withheldScopes ?? []
    const scopes = this.#checkScopes(params.scopes?.length ? params.scopes : [...this.#options.defaultScopes]).filter(
      (scope) => !withheld.includes(scope),
    )
    const resource = this.#checkResource(params.resource)
    const code = newSecret()
    this.#codes.set(code, {
      clientId: client.client_id,
      params,
      scopes,
      resource,
      expiresAtMs: Date.now() + AUTHORIZATION_CODE_TTL_MS,
    })
    // Auto-approve: no sign-in, no consent page. The redirect URI was matched against the client's by the handler.
    // NOTE: add to the redirect URI's own query rather than replacing it (the SDK demo provider replaces it).
    const target = new URL(params.redirectUri)
    target.searchParams.set('code', code)
    if (params.state !== undefined) target.searchParams.set('state', params.state)
    res.redirect(302, target.href)
  }

  async challengeForAuthorizationCode(client: OAuthClientInformationFull, authorizationCode: string) {
    return this.#usableCode(client, authorizationCode).params.codeChallenge
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    authorizationCode: string,
    _codeVerifier?: string,
    redirectUri?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    // The SDK's token handler has already checked the PKCE verifier against challengeForAuthorizationCode().
    // Refused before the code is looked at, so the client can retry the same code without `resource`.
    this.#refuseResourceParameter(resource)
    const code = this.#usableCode(client, authorizationCode)
    if (redirectUri !== undefined && redirectUri !== code.params.redirectUri) {
      throw new InvalidGrantError('redirect_uri differs from the one in the authorization request')
    }
    if (resource !== undefined && resource.href !== code.resource) {
      throw new InvalidTargetError('resource differs from the one in the authorization request')
    }
    const grant: Grant = {
      id: newSecret(),
      clientId: client.client_id,
      scopes: code.scopes,
      resource: code.resource,
      revoked: false,
    }
    this.#grants.set(grant.id, grant)
    code.grantId = grant.id
    return this.#issueTokens(grant, grant.scopes)
  }

  async exchangeRefreshToken(
    client: OAuthClientInformationFull,
    refreshToken: string,
    scopes?: string[],
    resource?: URL,
  ): Promise<OAuthTokens> {
    this.#refuseResourceParameter(resource)
    const record = this.#refreshTokens.get(refreshToken)
    const grant = record && this.#grants.get(record.grantId)
    if (!record || !grant || grant.revoked) throw new InvalidGrantError('Unknown, expired or revoked refresh token')
    if (record.clientId !== client.client_id) throw new InvalidGrantError('Refresh token was issued to another client')
    if (record.rotated) {
      // Reuse detection (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): a rotated refresh token coming back means two
      // parties hold it, so nothing from this grant can be trusted any more.
      this.#options.counters.refreshTokenReuse += 1
      this.#revokeGrant(grant)
      throw new InvalidGrantError('Refresh token was already used; the grant is revoked')
    }
    if (resource !== undefined && resource.href !== record.resource) {
      throw new InvalidTargetError('resource differs from the one the grant is for')
    }
    // RFC 6749 §6: a refresh may narrow the scope, never widen it.
    const requested = scopes ?? record.scopes
    const beyond = requested.filter((scope) => !grant.scopes.includes(scope))
    if (beyond.length > 0) throw new InvalidScopeError(`Not granted: ${beyond.join(' ')}`)
    record.rotated = true
    return this.#issueTokens(grant, requested)
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const record = this.#accessTokens.get(token)
    if (!record) throw new InvalidTokenError('Unknown or revoked access token')
    if (record.expiresAtMs <= Date.now()) throw new InvalidTokenError('Access token has expired')
    return {
      token,
      clientId: record.clientId,
      scopes: record.scopes,
      expiresAt: record.expiresAtMs / 1000,
      resource: new URL(record.resource),
    }
  }

  async revokeToken(client: OAuthClientInformationFull, request: OAuthTokenRevocationRequest) {
    const access = this.#accessTokens.get(request.token)
    const refresh = this.#refreshTokens.get(request.token)
    const record = request.token_type_hint === 'refresh_token' ? refresh ?? access : access ?? refresh
    if (!record) {
      // RFC 7009 §2.2: an invalid (or already revoked) token is answered with 200 all the same.
      this.#options.counters.revocations.unknown += 1
      return
    }
    if (record.clientId !== client.client_id) {
      // RFC 7009 §2.1: the token must have been issued to the client asking.
      this.#options.counters.revocations.refused += 1
      throw new InvalidRequestError('This token was not issued to this client')
    }
    if (record === access) {
      this.#options.counters.revocations.accessToken += 1
      this.#accessTokens.delete(request.token)
      return
    }
    // RFC 7009 §2.1: revoking a refresh token should revoke the access tokens of the same grant too.
    this.#options.counters.revocations.refreshToken += 1
    const grant = this.#grants.get(record.grantId)
    if (grant) this.#revokeGrant(grant)
  }

  /** Access tokens neither revoked nor expired. */
  validAccessTokens(): Set<string> {
    const now = Date.now()
    return new Set([...this.#accessTokens].filter(([, record]) => record.expiresAtMs > now).map(([token]) => token))
  }

  /** Refresh tokens that can still be exchanged. */
  validRefreshTokens(): Set<string> {
    return new Set([...this.#refreshTokens].filter(([, record]) => !record.rotated).map(([token]) => token))
  }

  /** Revokes every grant, as an administrator would: all access and refresh tokens stop working. */
  revokeAllTokens() {
    for (const grant of this.#grants.values()) this.#revokeGrant(grant)
  }

  /** Forgets every refresh token and leaves access tokens alone: the next refresh gets `invalid_grant`. */
  revokeRefreshTokens() {
    this.#refreshTokens.clear()
  }

  #usableCode(client: OAuthClientInformationFull, authorizationCode: string): AuthorizationCode {
    const code = this.#codes.get(authorizationCode)
    if (!code || code.expiresAtMs <= Date.now()) throw new InvalidGrantError('Unknown or expired authorization code')
    if (code.clientId !== client.client_id)
      throw new InvalidGrantError('Authorization code was issued to another client')
    if (code.grantId !== undefined) {
      // RFC 6749 §4.1.2: a code used twice revokes the tokens issued with it.
      const grant = this.#grants.get(code.grantId)
      if (grant) this.#revokeGrant(grant)
      throw new InvalidGrantError('Authorization code was already used')
    }
    return code
  }

  #issueTokens(grant: Grant, scopes: string[]): OAuthTokens {
    const ttlSeconds = this.#options.accessTokenTtlSeconds
    const accessToken = newSecret()
    this.#accessTokens.set(accessToken, {
      grantId: grant.id,
      clientId: grant.clientId,
      scopes,
      resource: grant.resource,
      expiresAtMs: Date.now() + ttlSeconds * 1000,
    })
    const tokens: OAuthTokens = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttlSeconds,
      scope: scopes.join(' '),
    }
    if (this.#options.issueRefreshTokens) {
      const refreshToken = newSecret()
      this.#refreshTokens.set(refreshToken, {
        grantId: grant.id,
        clientId: grant.clientId,
        scopes,
        resource: grant.resource,
        rotated: false,
      })
      tokens.refresh_token = refreshToken
    }
    return tokens
  }

  #revokeGrant(grant: Grant) {
    grant.revoked = true
    for (const map of [this.#accessTokens, this.#refreshTokens] as const) {
      for (const [token, record] of map) if (record.grantId === grant.id) map.delete(token)
    }
  }

  #checkScopes(requested: string[]): string[] {
    const unknown = requested.filter((scope) => !this.#options.knownScopes.includes(scope))
    if (unknown.length > 0) throw new InvalidScopeError(`Unknown scope: ${unknown.join(' ')}`)
    return [...new Set(requested)]
  }

  /** Like Microsoft Entra ID, which identifies the resource by the scope and answers `resource` with `invalid_target`. */
  #refuseResourceParameter(resource: URL | undefined) {
    if (this.#options.rejectResourceParameter && resource !== undefined) {
      throw new InvalidTargetError('This authorization server does not accept the resource parameter')
    }
  }

  /**
   * RFC 8707: tokens are only issued for the one protected resource this server knows. A request
   * without `resource` gets a token for it too (the MCP spec makes clients send it; this server
   * does not insist, so a client that forgets it still works here, as with many real servers).
   */
  #checkResource(resource: URL | undefined): string {
    const expected = this.#options.resource.href
    if (resource !== undefined && resource.href !== expected) {
      throw new InvalidTargetError(`This server only issues tokens for ${expected}`)
    }
    return expected
  }
}

/** Keeps registered clients in memory and counts registrations in `counters`. */
export class InMemoryClientsStore implements OAuthRegisteredClientsStore {
  readonly #counters: { registrations: number }
  readonly #clients = new Map<string, OAuthClientInformationFull>()

  constructor(counters: { registrations: number }) {
    this.#counters = counters
  }

  async getClient(clientId: string) {
    return this.#clients.get(clientId)
  }

  async registerClient(client: OAuthClientInformationFull) {
    this.#counters.registrations += 1
    this.#clients.set(client.client_id, client)
    return client
  }
}

/** One fixed, pre-registered client and no registration endpoint (no `registerClient`). */
export class FixedClientsStore implements OAuthRegisteredClientsStore {
  readonly #client: OAuthClientInformationFull

  constructor(client: OAuthClientInformationFull) {
    this.#client = client
  }

  async getClient(clientId: string) {
    return clientId === this.#client.client_id ? this.#client : undefined
  }
}

export type MountAuthorizationServerOptions = {
  provider: InMemoryOAuthProvider
  /** The issuer, e.g. `http://127.0.0.1:PORT/`; the endpoints live at its root. */
  issuer: URL
  /** The MCP endpoint this authorization server protects: protected-resource metadata is served for it. */
  mcpUrl: URL
  /** `scopes_supported` of the protected-resource metadata: what a client asks for by default. */
  resourceScopes: readonly string[]
  /** `scopes_supported` of the authorization server metadata: everything it can grant. */
  grantableScopes: readonly string[]
  /** Applied to the authorization server metadata the SDK builds. */
  metadataOverrides?: Partial<OAuthMetadata>
  /** Authenticates the client at /token and /revoke before the SDK's handlers run (they only read the body). */
  clientAuthentication?: RequestHandler[]
  /** Incremented in place. */
  counters: AuthorizationServerCounters
  resourceName: string
  variant: AuthorizationServerVariantOptions
}

/**
 * Mounts the SDK's authorization server handlers at the root of `app`, like `mcpAuthRouter` does,
 * but with per-IP rate limits off and the two metadata documents kept apart: `mcpAuthRouter` uses
 * one `scopesSupported` for both, and a step-up test needs the resource to advertise fewer scopes
 * than the authorization server can grant. Returns the authorization server metadata (also when it
 * is not served).
 */
export function mountAuthorizationServer(app: express.Express, options: MountAuthorizationServerOptions) {
  const { provider, counters, variant } = options
  const oauthMetadata: OAuthMetadata = {
    ...createOAuthMetadata({ provider, issuerUrl: options.issuer, scopesSupported: [...options.grantableScopes] }),
    ...options.metadataOverrides,
  }
  if (variant.advertiseS256 === false) delete oauthMetadata.code_challenge_methods_supported
  const resourceMetadata: OAuthProtectedResourceMetadata = {
    resource: variant.resourceOverride ?? options.mcpUrl.href,
    authorization_servers: [oauthMetadata.issuer],
    scopes_supported: [...options.resourceScopes],
    resource_name: options.resourceName,
  }
  const cacheControl: RequestHandler = (_req, res, next) => {
    if (variant.metadataCacheControl !== undefined) res.set('Cache-Control', variant.metadataCacheControl)
    next()
  }

  app.use(countMetadataRequests(counters.metadataRequests))
  // RFC 9728 §3.1: the path-specific URL only, as the SDK's mcpAuthMetadataRouter serves it.
  if (variant.protectedResourceMetadata !== false) {
    const path = new URL(getOAuthProtectedResourceMetadataUrl(options.mcpUrl)).pathname
    app.use(path, cacheControl, metadataHandler(resourceMetadata))
  }
  if (variant.authorizationServerMetadata !== false) {
    app.use('/.well-known/oauth-authorization-server', cacheControl, metadataHandler(oauthMetadata))
  }

  const authenticate = options.clientAuthentication ?? []
  app.use('/authorize', count(() => (counters.authorizationRequests += 1)))
  app.use('/authorize', authorizationHandler({ provider, rateLimit: false }))
  app.use(
    '/token',
    observeTokenRequests(counters.tokenRequests, counters.tokenErrors),
    ...authenticate,
    tokenHandler({ provider, rateLimit: false }),
  )
  if (oauthMetadata.revocation_endpoint) {
    app.use('/revoke', ...authenticate, revocationHandler({ provider, rateLimit: false }))
  }
  // Counted even where there is no registration endpoint: a client trying to register there is worth seeing.
  app.use('/register', count(() => (counters.registrationRequests += 1)))
  if (oauthMetadata.registration_endpoint) {
    app.use('/register', clientRegistrationHandler({ clientsStore: provider.clientsStore, rateLimit: false }))
  }
  return oauthMetadata
}

function count(increment: () => void): RequestHandler {
  return (_req, _res, next) => {
    increment()
    next()
  }
}

/** Counts requests to the metadata URLs a client may try (RFC 9728 §3, RFC 8414 §3, OpenID Connect Discovery). */
function countMetadataRequests(counts: MetadataRequestCounts): RequestHandler {
  return (req, _res, next) => {
    if (req.path.startsWith('/.well-known/oauth-protected-resource')) counts.protectedResource += 1
    if (
      req.path.startsWith('/.well-known/oauth-authorization-server') ||
      req.path.startsWith('/.well-known/openid-configuration')
    ) {
      counts.authorizationServer += 1
    }
    next()
  }
}

/** Counts /token requests by grant type and OAuth error answers by code (before and after the SDK's handler). */
function observeTokenRequests(byGrantType: Record<string, number>, errors: Record<string, number>): RequestHandler[] {
  return [
    // Parsed here so the grant type can be read; the SDK's own body parser then sees a consumed body and skips.
    express.urlencoded({ extended: false }),
    (req, res, next) => {
      const grantType = typeof req.body?.grant_type === 'string' ? req.body.grant_type : '(none)'
      byGrantType[grantType] = (byGrantType[grantType] ?? 0) + 1
      const json = res.json.bind(res)
      res.json = (body: unknown) => {
        if (res.statusCode >= 400 && typeof body === 'object' && body !== null && 'error' in body) {
          const code = String(body.error)
          errors[code] = (errors[code] ?? 0) + 1
        }
        return json(body)
      }
      next()
    },
  ]
}

function newSecret(): string {
  return randomBytes(32).toString('base64url')
}
