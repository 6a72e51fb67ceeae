import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import express from 'express'
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose'
import Provider, { errors as oidcErrors, type Interaction, type KoaContextWithOIDC } from 'oidc-provider'
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js'
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js'
import { type OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js'
import { type AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import {
  createMcpEndpointStats,
  createProtectedMcpEndpoint,
  type McpEndpointStats,
} from '#tests/servers/mcp-endpoint.ts'
import { closeServer, reportPeerBug } from '#tests/servers/peer-http.ts'
import { type McpPeerEra } from '#tests/servers/mcp-v2-endpoint.ts'
import { type RevocationCounts } from '#tests/servers/sdk-oauth-provider.ts'

// Peer 2: npm oidc-provider as an independent authorization server (its own origin), and an MCP
// server on another origin that trusts it: JWT access tokens checked against the provider's JWKS.
// A real sign-in and consent page instead of devInteractions; approveAuthorization() walks it.
// See tests/servers/README.md and shared/notes/test-peers.md for why each setting is there.
// scripts/demo/oauth-server.ts runs it as the OAuth demo: fixed ports and pages worded for a newcomer.

export type OidcMcpServerOptions = {
  /** Which SDK serves the MCP endpoint (mcp-v2-endpoint.ts): `v1` (default), `2026-only` or `2026-and-legacy`. */
  mcpEra?: McpPeerEra
  /** Scopes of the MCP resource (advertised, registrable, granted on consent). Default `['mcp:tools']`. */
  scopes?: string[]
  /** Access-token lifetime in whole seconds (JWT `exp`). Default 3600. */
  accessTokenTtlSeconds?: number
  /** Refresh-token lifetime in seconds. Default 14 days. */
  refreshTokenTtlSeconds?: number
  /** Port of the MCP server on 127.0.0.1. Default 0: a free one. */
  mcpPort?: number
  /** Port of the authorization server (the issuer) on 127.0.0.1. Default 0: a free one. */
  issuerPort?: number
  /** `resource_name` in the protected-resource metadata. Default `Switchboard test peer (oidc-provider)`. */
  resourceName?: string
  /** Ends every page's `<title>`. Default `Switchboard test authorization server`. */
  serverName?: string
  /** One plain-text sentence above every page, saying whose server this is. Default none. */
  notice?: string
  /** Plain text under the sign-in form's name field, tied to it with `aria-describedby`. Default none. */
  loginHint?: string
  /** The name the sign-in form is prefilled with. Default `test-user`. */
  prefilledLogin?: string
  /** A link on every page, the error pages included (the demo's way back to Switchboard). Default none. */
  appLink?: { href: string; label: string }
  /** CSS for every page, inlined and allowed by its hash in the pages' CSP (the demo's look). Default none. */
  styles?: string
  /**
   * Default true. False answers 404 at `/.well-known/oauth-authorization-server` (RFC 8414), so the provider is
   * reachable only through `/.well-known/openid-configuration`, like many OpenID-only authorization servers.
   */
  oauthAuthorizationServerMetadata?: boolean
}

export type OidcMcpServerStats = {
  /** Token endpoint requests by `grant_type`, failed ones included. */
  tokenRequests: Record<string, number>
  /** Token endpoint answers that carried an OAuth error, by error code. */
  tokenErrors: Record<string, number>
  /** Successful dynamic client registrations. */
  registrations: number
  /** Requests to the authorization endpoint (resumes after sign-in and consent not counted). */
  authorizations: number
  /** Revocation requests by what the token was. `refused` includes JWT access tokens (unsupported_token_type). */
  revocations: RevocationCounts
  /** Revocation answers that carried an OAuth error, by error code. */
  revocationErrors: Record<string, number>
  introspections: number
  /** Submissions of the interaction pages. */
  signIns: number
  consents: number
  denials: number
  mcp: McpEndpointStats
}

export type ApproveAuthorizationOptions = {
  /** Press "Deny" (on the first page shown) instead of signing in and allowing. */
  deny?: boolean
  /** The account name typed into the sign-in form. Default: the form's prefilled value. */
  login?: string
}

export type OidcMcpServer = {
  /** The MCP endpoint, on its own origin: `http://127.0.0.1:MCP_PORT/mcp`. */
  mcpUrl: string
  /** The provider's issuer, `http://127.0.0.1:AS_PORT` (no trailing slash), as in its metadata and `iss`. */
  issuer: string
  resourceMetadataUrl: string
  stats: OidcMcpServerStats
  /**
   * Opens `authorizationUrl` and walks the sign-in and consent pages like a person clicking the first
   * (primary) button, or "Deny"; resolves with the redirect to the client's `redirect_uri` (with `code`,
   * `state` and `iss`, or `error`). Rejects when a page is not what a person could go on from.
   */
  approveAuthorization(authorizationUrl: string, options?: ApproveAuthorizationOptions): Promise<string>
  close(): Promise<void>
}

const PEER = 'oidc-provider peer'
const DEFAULT_ACCOUNT = 'test-user'
const DEFAULT_SERVER_NAME = 'Switchboard test authorization server'
const SIGNING_ALG = 'RS256'
const INTERACTION_PATH = '/interaction/'
const DAY_SECONDS = 24 * 60 * 60

/**
 * Starts peer 2 (two listeners on 127.0.0.1) and resolves once both listen. Rejects when a port cannot
 * be bound (the error keeps its `code`, e.g. EADDRINUSE, and `port`); nothing is left listening then.
 */
export async function startOidcMcpServer(options: OidcMcpServerOptions = {}): Promise<OidcMcpServer> {
  const scopes = options.scopes ?? ['mcp:tools']
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600
  const refreshTokenTtlSeconds = options.refreshTokenTtlSeconds ?? 14 * DAY_SECONDS
  const pages: PageText = {
    serverName: options.serverName ?? DEFAULT_SERVER_NAME,
    notice: options.notice,
    loginHint: options.loginHint,
    prefilledLogin: options.prefilledLogin ?? DEFAULT_ACCOUNT,
    appLink: options.appLink,
    styles: options.styles,
  }

  const mcpStats = createMcpEndpointStats()
  const stats: OidcMcpServerStats = {
    tokenRequests: {},
    tokenErrors: {},
    registrations: 0,
    authorizations: 0,
    revocations: { accessToken: 0, refreshToken: 0, unknown: 0, refused: 0 },
    revocationErrors: {},
    introspections: 0,
    signIns: 0,
    consents: 0,
    denials: 0,
    mcp: mcpStats,
  }

  // Both sockets first: the issuer and the resource URL come from the real ports.
  let handleAs: http.RequestListener = (_req, res) => res.writeHead(503).end()
  const asServer = http.createServer((req, res) => handleAs(req, res))
  const mcpApp = express()
  const mcpServer = http.createServer(mcpApp)
  const issuer = await listenOnLoopbackPort(asServer, options.issuerPort ?? 0)
  let mcpOrigin: string
  try {
    mcpOrigin = await listenOnLoopbackPort(mcpServer, options.mcpPort ?? 0)
  } catch (error) {
    // A fixed port may be taken: free the one already bound, or it outlives the error.
    await closeServer(asServer)
    throw error
  }
  const mcpUrl = new URL(`${mcpOrigin}/mcp`)
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl)

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapter(),
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    async findAccount(_ctx: unknown, sub: string) {
      return { accountId: sub, claims: async () => ({ sub }) }
    },
    // NOTE: the resource's scopes must be listed here too, or registering a client with
    // `scope: "mcp:tools"` fails with "scope must only contain Authorization Server supported scope values".
    scopes: ['openid', 'offline_access', ...scopes],
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: {
        enabled: true,
        // Clients revoke only their own tokens. Another client's token is left alone and the answer is
        // still 200 (the default throws invalid_request for confidential clients, and logs a notice).
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) =>
          token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // Clients introspect only their own tokens (another client's reads as inactive).
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) =>
          token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        // The client names the resource at /authorize; the token request may leave it out.
        useGrantedResource: async () => true,
        // NOTE: the default throws invalid_target for every resource.
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (resourceIndicator !== mcpUrl.href) throw new oidcErrors.InvalidTarget()
          return {
            scope: scopes.join(' '),
            audience: mcpUrl.href,
            accessTokenTTL: accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: SIGNING_ALG } },
          }
        },
      },
    },
    // OAuth 2.1: PKCE for every client, confidential ones too (S256 is the only method oidc-provider 9 offers).
    pkce: { required: () => true },
    // Refresh tokens for any client registered with the refresh_token grant (the default also wants
    // the offline_access scope plus consent to it), rotated on every use. Replaying a rotated one
    // revokes the whole grant (oidc-provider's reuse detection).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    interactions: { url: async (_ctx: unknown, interaction: Interaction) => `${INTERACTION_PATH}${interaction.uid}` },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      RefreshToken: refreshTokenTtlSeconds,
      Grant: refreshTokenTtlSeconds,
      Session: refreshTokenTtlSeconds,
      Interaction: 10 * 60,
      IdToken: 3600,
    },
    clientBasedCORS: () => true,
    async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
      ctx.type = 'html'
      ctx.body = page(
        pages,
        'Sign-in failed',
        `<h1>Sign-in failed</h1><p>${escapeHtml(out.error_description ?? out.error ?? '')}</p>`,
      )
    },
  })
  provider.use(async (ctx, next) => {
    await next()
    observe(ctx, stats)
  })

  const providerCallback = provider.callback()
  handleAs = (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    if (options.oauthAuthorizationServerMetadata === false && path.startsWith('/.well-known/oauth-authorization-server')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found')
      return
    }
    if (!path.startsWith(INTERACTION_PATH)) return providerCallback(req, res)
    handleInteraction(provider, stats, pages, req, res).catch((error: unknown) => reportPeerBug(PEER, res, error))
  }

  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`))
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: (token) => verifyJwtAccessToken(token, { jwks, issuer, audience: mcpUrl.href }),
  }
  mcpApp.get(new URL(resourceMetadataUrl).pathname, (_req, res) => {
    // RFC 9728 §3.2; the resource is on another origin than its authorization server.
    res.set('Access-Control-Allow-Origin', '*').json({
      resource: mcpUrl.href,
      authorization_servers: [issuer],
      scopes_supported: scopes,
      bearer_methods_supported: ['header'],
      resource_name: options.resourceName ?? 'Switchboard test peer (oidc-provider)',
    })
  })
  const mcp = createProtectedMcpEndpoint({
    peer: PEER,
    verifier,
    resourceMetadataUrl,
    resource: mcpUrl,
    requiredScopes: [],
    toolScopes: {},
    challengeScope: 'granted-and-required',
    stats: mcpStats,

    era: options.mcpEra,
  })
  mcpApp.use(mcpUrl.pathname, mcp.router)

  let closing: Promise<void> | undefined
  return {
    mcpUrl: mcpUrl.href,
    issuer,
    resourceMetadataUrl,
    stats,
    approveAuthorization: (authorizationUrl, approveOptions) => approveAuthorization(authorizationUrl, approveOptions),
    close() {
      closing ??= mcp
        .closeSessions()
        .then(() => Promise.all([closeServer(asServer), closeServer(mcpServer)]).then(() => {}))
      return closing
    },
  }
}

/** Counts what the provider answered; runs after its own error handling, so failures are seen too. */
function observe(ctx: KoaContextWithOIDC, stats: OidcMcpServerStats) {
  const route = ctx.oidc?.route
  const failed = ctx.status >= 400
  const error = failed ? errorCode(ctx.body) : undefined
  if (route === 'token') {
    const grantType = ctx.oidc?.params?.grant_type
    const key = typeof grantType === 'string' ? grantType : '(none)'
    stats.tokenRequests[key] = (stats.tokenRequests[key] ?? 0) + 1
    if (error) stats.tokenErrors[error] = (stats.tokenErrors[error] ?? 0) + 1
  } else if (route === 'registration' && ctx.method === 'POST' && ctx.status === 201) {
    stats.registrations += 1
  } else if (route === 'authorization') {
    stats.authorizations += 1
  } else if (route === 'introspection') {
    stats.introspections += 1
  } else if (route === 'revocation') {
    const entities = ctx.oidc?.entities
    if (failed) {
      stats.revocations.refused += 1
      if (error) stats.revocationErrors[error] = (stats.revocationErrors[error] ?? 0) + 1
    } else if (entities?.RefreshToken) stats.revocations.refreshToken += 1
    else if (entities?.AccessToken) stats.revocations.accessToken += 1
    else stats.revocations.unknown += 1
  }
}

function errorCode(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string'
    ? body.error
    : undefined
}

type JwtCheck = { jwks: ReturnType<typeof createRemoteJWKSet>; issuer: string; audience: string }

/** RFC 9068 JWT access token: signature from the provider's JWKS, `typ`, `iss`, `aud` = this MCP URL, `exp`. */
async function verifyJwtAccessToken(token: string, check: JwtCheck): Promise<AuthInfo> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, check.jwks, {
      issuer: check.issuer,
      audience: check.audience,
      typ: 'at+jwt',
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp', 'client_id'],
    }))
  } catch (error) {
    // A token problem is the client's: 401 with a challenge. Anything else (the JWKS could not be
    // fetched) is this server's, and requireBearerAuth answers 500 for it.
    if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
      throw new InvalidTokenError(
        error instanceof joseErrors.JWTExpired ? 'Access token has expired' : `Access token refused (${error.code})`,
      )
    }
    throw error
  }
  const clientId = payload.client_id
  const scope = payload.scope
  if (typeof clientId !== 'string' || payload.exp === undefined)
    throw new InvalidTokenError('Access token lacks client_id')
  return {
    token,
    clientId,
    scopes: typeof scope === 'string' && scope !== '' ? scope.split(' ') : [],
    expiresAt: payload.exp,
    resource: new URL(check.audience),
  }
}

/**
 * Binds `server` to `port` on 127.0.0.1 (0 picks a free one) and returns `http://127.0.0.1:<port>`.
 * NOTE: peer-http.ts's listenOnLoopback() only binds port 0; the demo (scripts/demo/start.ts) needs fixed ports.
 */
async function listenOnLoopbackPort(server: http.Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error(`${PEER}: no TCP address`)
  return `http://127.0.0.1:${address.port}`
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: SIGNING_ALG, use: 'sig' }
}

// ---------------------------------------------------------------------------------------------
// Sign-in and consent: one HTML form per prompt, posting back to its own URL. The interaction
// cookie oidc-provider sets is SameSite=Lax and scoped to this path, so another site cannot post here
// on a person's behalf.

const signInIntent = 'sign-in'
const allowIntent = 'allow'
const denyIntent = 'deny'

async function handleInteraction(
  provider: Provider,
  stats: OidcMcpServerStats,
  pages: PageText,
  req: IncomingMessage,
  res: ServerResponse,
) {
  let interaction: Interaction
  try {
    interaction = await provider.interactionDetails(req, res)
  } catch (error) {
    if (!(error instanceof oidcErrors.SessionNotFound)) throw error
    return sendHtml(
      res,
      400,
      page(
        pages,
        'Sign-in expired',
        '<h1>Sign-in expired</h1><p>This sign-in was already finished or has timed out. Go back to the app and connect again.</p>',
      ),
    )
  }
  const path = new URL(req.url ?? '/', 'http://peer.invalid').pathname
  if (path !== `${INTERACTION_PATH}${interaction.uid}`) {
    return sendHtml(res, 404, page(pages, 'Not found', '<h1>Not found</h1><p>This sign-in page does not exist.</p>'))
  }
  if (req.method === 'GET') return sendHtml(res, 200, await interactionPage(provider, pages, interaction))
  if (req.method !== 'POST') return sendHtml(res, 405, page(pages, 'Not allowed', '<h1>Use the form</h1>'))

  const form = new URLSearchParams(await readBody(req))
  const intent = form.get('intent')
  if (intent === denyIntent) {
    stats.denials += 1
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person declined to connect.' },
      { mergeWithLastSubmission: false },
    )
  }
  if (interaction.prompt.name === 'login' && intent === signInIntent) {
    const accountId = form.get('login')?.trim()
    if (!accountId) {
      return sendHtml(res, 400, await interactionPage(provider, pages, interaction, 'Enter a name to sign in.'))
    }
    stats.signIns += 1
    return provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false })
  }
  if (interaction.prompt.name === 'consent' && intent === allowIntent) {
    stats.consents += 1
    const accountId = interaction.session?.accountId
    const clientId = interaction.params.client_id
    if (accountId === undefined || typeof clientId !== 'string') throw new Error('consent without a session or client')
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId, clientId })
    if (!grant) throw new Error('the interaction names a grant that does not exist')
    const details = interaction.prompt.details
    const missingOidcScope = stringList(details.missingOIDCScope)
    if (missingOidcScope.length > 0) grant.addOIDCScope(missingOidcScope.join(' '))
    const missingClaims = stringList(details.missingOIDCClaims)
    if (missingClaims.length > 0) grant.addOIDCClaims(missingClaims)
    const missingResourceScopes = details.missingResourceScopes
    if (typeof missingResourceScopes === 'object' && missingResourceScopes !== null) {
      for (const [resource, resourceScopes] of Object.entries(missingResourceScopes)) {
        grant.addResourceScope(resource, stringList(resourceScopes).join(' '))
      }
    }
    const grantId = await grant.save()
    return provider.interactionFinished(
      req,
      res,
      { consent: interaction.grantId ? {} : { grantId } },
      { mergeWithLastSubmission: true },
    )
  }
  const wrongButton = 'That button does not belong to this page.'
  return sendHtml(res, 400, await interactionPage(provider, pages, interaction, wrongButton))
}

async function interactionPage(
  provider: Provider,
  pages: PageText,
  interaction: Interaction,
  problem?: string,
): Promise<string> {
  const clientId = interaction.params.client_id
  const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined
  const clientName = escapeHtml(client?.clientName ?? client?.clientId ?? 'An application')
  const action = escapeHtml(`${INTERACTION_PATH}${interaction.uid}`)
  const problemHtml = problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''
  if (interaction.prompt.name === 'login') {
    const login = escapeHtml(pages.prefilledLogin)
    const hintRef = pages.loginHint ? ' aria-describedby="login-hint"' : ''
    const hint = pages.loginHint ? `\n  <p id="login-hint">${escapeHtml(pages.loginHint)}</p>` : ''
    return page(
      pages,
      'Sign in',
      `<h1>Sign in</h1>
<p><strong>${clientName}</strong> wants to connect to your account on this test server.</p>
${problemHtml}
<form method="post" action="${action}">
  <p><label for="login">Name</label> <input id="login" name="login" required autocomplete="username" value="${login}"${hintRef}></p>${hint}
  <p><button type="submit" name="intent" value="${signInIntent}">Sign in</button>
  <button type="submit" name="intent" value="${denyIntent}" formnovalidate>Deny</button></p>
</form>`,
    )
  }
  const details = interaction.prompt.details
  const requested = [
    ...stringList(details.missingOIDCScope),
    ...Object.values(
      typeof details.missingResourceScopes === 'object' && details.missingResourceScopes !== null
        ? details.missingResourceScopes
        : {},
    ).flatMap(stringList),
  ]
  const resource = interaction.params.resource
  const scopeItems = [...new Set(requested)].map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('')
  return page(
    pages,
    'Allow access',
    `<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(interaction.session?.accountId ?? '')}</strong>.</p>
<p><strong>${clientName}</strong> asks for${
      typeof resource === 'string' ? ` access to <code>${escapeHtml(resource)}</code> with` : ''
    }:</p>
<ul>${scopeItems || '<li>no extra permissions</li>'}</ul>
${problemHtml}
<form method="post" action="${action}">
  <p><button type="submit" name="intent" value="${allowIntent}">Allow</button>
  <button type="submit" name="intent" value="${denyIntent}">Deny</button></p>
</form>`,
  )
}

/** What the pages say about the server itself; everything else on them is fixed. */
type PageText = {
  serverName: string
  notice?: string
  loginHint?: string
  prefilledLogin: string
  appLink?: { href: string; label: string }
  styles?: string
}

function page(pages: PageText, title: string, body: string): string {
  const link = pages.appLink ? `<p class="app-link"><a href="${escapeHtml(pages.appLink.href)}">${escapeHtml(pages.appLink.label)}</a></p>` : ''
  const notice = pages.notice || link ? `<header>${pages.notice ? `<p>${escapeHtml(pages.notice)}</p>` : ''}${link}</header>\n` : ''
  // NOTE: CSS text is never HTML-escaped (quotes in it stay quotes); only `</` could end the element early.
  const styles = pages.styles ? `<style>${pages.styles.replace(/<\//g, '<\\/')}</style>` : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: ${escapeHtml(pages.serverName)}</title>${styles}</head>
<body>${notice}<main>${body}</main></body></html>`
}

/** The CSP source for a page's inline <style> (its hash), or nothing when it has none. */
function styleSource(html: string): string {
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1]
  return css === undefined ? '' : `; style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'`
}

function sendHtml(res: ServerResponse, status: number, html: string) {
  res
    .writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // NOTE: no form-action: browsers apply it to the redirects after the POST too, and the last
      // one goes to the client's redirect_uri on another origin.
      'Content-Security-Policy': `default-src 'none'; frame-ancestors 'none'${styleSource(html)}`,
    })
    .end(html)
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

const MAX_FORM_BYTES = 16 * 1024

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
      if (body.length > MAX_FORM_BYTES) req.destroy(new Error('form body too large'))
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

// ---------------------------------------------------------------------------------------------
// approveAuthorization(): a person's browser, reduced to fetch, a cookie jar and "press the first button".

/** Walks an oidc-provider authorization URL through its interaction pages. See `OidcMcpServer.approveAuthorization`. */
export async function approveAuthorization(
  authorizationUrl: string,
  options: ApproveAuthorizationOptions = {},
): Promise<string> {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')
  if (!redirectUri) throw new Error('approveAuthorization: the authorization URL has no redirect_uri')
  const jar = new CookieJar()
  let request: { url: URL; method: 'GET' | 'POST'; form?: URLSearchParams } = {
    url: new URL(authorizationUrl),
    method: 'GET',
  }
  for (let step = 0; step < 12; step += 1) {
    const headers = new Headers()
    const cookie = jar.headerFor(request.url)
    if (cookie) headers.set('Cookie', cookie)
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.form,
      redirect: 'manual',
    })
    jar.store(request.url, response.headers.getSetCookie())
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel()
      const next = new URL(location, request.url)
      if (isRedirectTo(next, redirectUri)) return next.href
      request = { url: next, method: 'GET' }
      continue
    }
    const html = await response.text()
    if (response.status !== 200) {
      throw new Error(`approveAuthorization: ${response.status} at ${request.url.pathname}: ${textOf(html)}`)
    }
    const form = parseForm(html)
    const intent = options.deny ? form.buttons.find((value) => value === denyIntent) : form.buttons[0]
    if (intent === undefined) throw new Error(`approveAuthorization: no button to press at ${request.url.pathname}`)
    const fields = new URLSearchParams(form.inputs)
    if (options.login !== undefined && fields.has('login')) fields.set('login', options.login)
    fields.set('intent', intent)
    request = { url: new URL(form.action, request.url), method: 'POST', form: fields }
  }
  throw new Error('approveAuthorization: too many steps without reaching the redirect_uri')
}

function isRedirectTo(url: URL, redirectUri: string): boolean {
  const expected = new URL(redirectUri)
  return url.origin === expected.origin && url.pathname === expected.pathname
}

/** The one form on a page: its action, its inputs' values, and its submit buttons' `intent` values in order. */
function parseForm(html: string): { action: string; inputs: [string, string][]; buttons: string[] } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html)
  if (!form?.[1] || form[2] === undefined) throw new Error(`approveAuthorization: no form on the page: ${textOf(html)}`)
  const attribute = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag)?.[1]
  const inputs: [string, string][] = []
  for (const [tag] of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name')
    if (name !== undefined) inputs.push([unescapeHtml(name), unescapeHtml(attribute(tag, 'value') ?? '')])
  }
  const buttons: string[] = []
  for (const [tag] of form[2].matchAll(/<button\b[^>]*>/gi)) {
    if (attribute(tag, 'name') === 'intent') buttons.push(unescapeHtml(attribute(tag, 'value') ?? ''))
  }
  return { action: unescapeHtml(form[1]), inputs, buttons }
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&')
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
}

type Cookie = { name: string; value: string; path: string; expiresAtMs: number }

/** Just enough of RFC 6265 for one host: name, value, path, expiry. */
class CookieJar {
  readonly #cookies = new Map<string, Cookie>()

  store(url: URL, setCookieHeaders: string[]) {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';')
      const equals = pair.indexOf('=')
      if (equals <= 0) continue
      const cookie: Cookie = {
        name: pair.slice(0, equals).trim(),
        value: pair.slice(equals + 1).trim(),
        path: defaultPath(url),
        expiresAtMs: Infinity,
      }
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=')
        const key = rawKey.trim().toLowerCase()
        const value = rest.join('=').trim()
        if (key === 'path' && value.startsWith('/')) cookie.path = value
        if (key === 'expires') cookie.expiresAtMs = Date.parse(value)
        if (key === 'max-age') cookie.expiresAtMs = Date.now() + Number(value) * 1000
      }
      const key = `${cookie.name};${cookie.path}`
      if (cookie.expiresAtMs <= Date.now()) this.#cookies.delete(key)
      else this.#cookies.set(key, cookie)
    }
  }

  headerFor(url: URL): string {
    const now = Date.now()
    return [...this.#cookies.values()]
      .filter((cookie) => cookie.expiresAtMs > now && pathMatches(url.pathname, cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ')
  }
}

function defaultPath(url: URL): string {
  const path = url.pathname
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/'
}
