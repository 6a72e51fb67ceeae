import type { IncomingMessage, ServerResponse } from 'node:http'
import type * as OidcProviderModule from 'oidc-provider'
import type { Provider as OidcProvider, KoaContextWithOIDC, Client } from 'oidc-provider'
import { prismaAdapterClass } from '#app/gateway/as/adapter.server.ts'
import { cookieKeys, signingJwk } from '#app/gateway/as/keys.server.ts'
import { findResource } from '#app/gateway/as/resource.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { type ThrottleRule, describeWait, recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'
import { guardedFetch } from '#app/utils/guarded-fetch.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/**
 * Switchboard as the OAuth 2.1 authorization server of its own MCP endpoints (docs/decisions/033): panva's
 * oidc-provider on a Prisma adapter, issuer = PUBLIC_URL, every endpoint under `/as/…`, consent at
 * `/agent/authorize/<uid>` (a Remix route; the person's Switchboard session decides who is asking).
 */

/** Access tokens live 10 minutes (the brief: 5–15): short enough that a revoked grant's token cannot linger. */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60
const DAY_SECONDS = 24 * 60 * 60
/** Refresh tokens (rotated on every use) and the grant behind them. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * DAY_SECONDS
/** A consent in progress, and the provider's own session (irrelevant: login always comes from Switchboard's). */
const INTERACTION_TTL_SECONDS = 10 * 60
/** The one scope of the MCP endpoints; `offline_access` may be asked for too (refresh tokens are issued anyway). */
export const MCP_SCOPE = 'mcp'
/** Where consent happens: a Remix page route. */
export const CONSENT_PATH_PREFIX = '/agent/authorize/'

const AS_PATH = /^\/(?:as\/|\.well-known\/(?:oauth-authorization-server|openid-configuration)$)/

/** True for the authorization server's paths: `/as/…` and its metadata (RFC 8414, OpenID discovery). */
export function isAuthorizationServerPath(pathname: string): boolean {
  return AS_PATH.test(pathname)
}

/**
 * Dynamic Client Registration is open to anyone (agents register themselves), and each registration stores two rows
 * that do not expire: 60 an hour from one address is far more than people setting up agents need.
 */
export const AGENT_REGISTRATIONS_PER_ADDRESS: ThrottleRule = { limit: 60, windowMs: 60 * 60 * 1000 }

/** The throttle key of registrations from one address. */
export function registrationThrottleKey(clientIp: string): string {
  return `agent-registration:${clientIp}`
}

async function registrationThrottle(clientIp: string): Promise<{ retryAfterSeconds: number; message: string } | null> {
  const key = registrationThrottleKey(clientIp)
  const retryAfterMs = await throttleRetryAfterMs(key, AGENT_REGISTRATIONS_PER_ADDRESS)
  if (retryAfterMs > 0) {
    return {
      retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
      message: `Too many apps registered from this address. Wait ${describeWait(retryAfterMs)}, then try again.`,
    }
  }
  await recordThrottledEvent(key, AGENT_REGISTRATIONS_PER_ADDRESS)
  return null
}

let providerPromise: Promise<OidcProvider> | undefined
let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined

/** The process's one provider, built on first use (it needs the environment and the database). */
export function getAuthorizationServer(): Promise<OidcProvider> {
  providerPromise ??= createProvider().catch((error: unknown) => {
    providerPromise = undefined
    throw error
  })
  return providerPromise
}

/** Answers one request of the authorization server. */
export async function handleAuthorizationServer(req: IncomingMessage, res: ServerResponse, context: { clientIp: string }): Promise<void> {
  if (req.method === 'POST' && new URL(req.url ?? '/', 'http://as.invalid').pathname === '/as/register') {
    const refusal = await registrationThrottle(context.clientIp)
    if (refusal) {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Retry-After': String(refusal.retryAfterSeconds) })
      res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: refusal.message }))
      return
    }
  }
  const provider = await getAuthorizationServer()
  // The provider builds URLs and cookie flags from the request as Koa sees it behind `proxy`: it is told PUBLIC_URL's
  // scheme and host and the client address the HTTP server found, never what the client sent (a forged
  // X-Forwarded-Host cannot move the issuer).
  const publicUrl = new URL(getEnv().PUBLIC_URL)
  req.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1)
  req.headers['x-forwarded-host'] = publicUrl.host
  req.headers['x-forwarded-for'] = context.clientIp
  callback ??= provider.callback()
  const handle = callback
  await new Promise<void>((resolve) => {
    res.on('close', resolve)
    handle(req, res)
  })
}

/**
 * oidc-provider warns "Unsupported runtime" with console.warn when it is imported on Node 20 (it asks for 22 LTS;
 * every flow Switchboard uses works on 20.19+, and the test suite runs there). That line would alarm a person
 * starting the app, so it is caught while the module loads and logged once as a quiet debug line instead.
 */
async function importOidcProvider(): Promise<typeof OidcProviderModule> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) {
      logger.debug({ node: process.version }, 'oidc-provider prefers Node 22 LTS; it runs on this version')
      return
    }
    warn.apply(console, args)
  }
  try {
    return await import('oidc-provider')
  } finally {
    console.warn = warn
  }
}

async function createProvider(): Promise<OidcProvider> {
  const { default: Provider, errors } = await importOidcProvider()
  const env = getEnv()
  const issuer = new URL(env.PUBLIC_URL).origin
  const at = (path: string) => `/as/${path}`
  const provider = new Provider(issuer, {
    adapter: prismaAdapterClass({ alreadyConsumed: () => new errors.InvalidGrant('grant request is invalid') }),
    jwks: { keys: [signingJwk()] },
    cookies: {
      keys: cookieKeys(),
      // The interaction cookie is scoped to every consent page, not to the one page (the provider's default): after
      // sign-in, Remix may reach the consent page by client-side navigation, whose loader request is
      // `/agent/authorize/<uid>.data`, outside a cookie path of `/agent/authorize/<uid>`.
      short: { httpOnly: true, sameSite: 'lax', path: CONSENT_PATH_PREFIX.slice(0, -1) },
    },
    // Accounts are Switchboard users; nothing about them is released (no ID tokens, no userinfo).
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
    scopes: [MCP_SCOPE, 'offline_access'],
    responseTypes: ['code'],
    routes: {
      authorization: at('authorize'),
      token: at('token'),
      registration: at('register'),
      revocation: at('revoke'),
      jwks: at('jwks'),
      end_session: at('session/end'),
      userinfo: at('me'),
      introspection: at('token/introspection'),
      pushed_authorization_request: at('par'),
      code_verification: at('device'),
      device_authorization: at('device/auth'),
      backchannel_authentication: at('backchannel'),
      challenge: at('challenge'),
      credential: at('credential'),
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // The one key is EC; ID tokens are never issued, but registration validates this field.
      id_token_signed_response_alg: 'ES256',
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      introspection: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        // Cached per process as the document's Cache-Control or Expires allows, within these bounds (seconds).
        cacheDuration: { min: 60, max: DAY_SECONDS },
      },
      resourceIndicators: {
        enabled: true,
        // An authorization request must name the endpoint; the token request may leave it out (the grant's).
        defaultResource: async (ctx: KoaContextWithOIDC) => {
          if (ctx.oidc?.route === 'authorization') {
            throw new errors.InvalidTarget('name the MCP endpoint in the resource parameter (RFC 8707)')
          }
          return undefined
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => {
          if (!(await findResource(resource, env.PUBLIC_URL))) {
            throw new errors.InvalidTarget('the resource is not an MCP endpoint of this Switchboard')
          }
          return { scope: MCP_SCOPE, audience: resource, accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS, accessTokenFormat: 'opaque' }
        },
      },
    },
    // CIMD documents are fetched through the one guarded fetch (SSRF rules, time and size limits). The provider's own
    // dispatcher is dropped: it would refuse the loopback peers OUTBOUND_ALLOWED_NETWORKS allows in development.
    fetch: async (url: string, options: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _dispatcher, ...rest } = options
      return guardedFetch(url, rest)
    },
    // Consent is a Switchboard page. Every authorization goes through it: no earlier grant is reused silently, so a
    // Switchboard sign-out leaves nothing of the provider's own session that could authorize an app.
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `${CONSENT_PATH_PREFIX}${interaction.uid}` },
    loadExistingGrant: async (ctx: { oidc: { result?: { consent?: { grantId?: string } } } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId
      return grantId ? provider.Grant.find(grantId) : undefined
    },
    issueRefreshToken: async (_ctx: unknown, client: Client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Tokens belong to the grant (Connected apps), not to the provider's browser session.
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      Grant: REFRESH_TOKEN_TTL_SECONDS,
      Session: INTERACTION_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
    },
    // Browser-based agents may call the token, registration and revocation endpoints from their redirect origin.
    clientBasedCORS: (_ctx: unknown, origin: string, client: Client) => client.redirectUris.some((uri) => URL.canParse(uri) && new URL(uri).origin === origin),
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      ctx.type = 'text/plain; charset=utf-8'
      ctx.body = errorPage(out)
    },
  })
  provider.proxy = true
  provider.use(withoutOpenIdConnect(errors.InvalidScope))
  provider.on('server_error', (_ctx: unknown, error: unknown) => logger.error({ err: error }, 'authorization server error'))
  // Koa prints unhandled errors to stderr unless the app has its own listener; this one logs through pino instead.
  provider.on('error', (error: unknown) => logger.warn({ err: error }, 'authorization server request failed'))
  return provider
}

/**
 * No OpenID Connect here (no ID tokens, no userinfo). oidc-provider always knows the `openid` scope (its default claims
 * define it), so an authorization request asking for it is refused, and the metadata does not offer it.
 */
function withoutOpenIdConnect(InvalidScope: new (description: string, scope: string) => Error) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const scope = new URL(ctx.url, 'http://as.invalid').searchParams.get('scope')
    if (ctx.path === '/as/authorize' && scope?.split(' ').includes('openid')) {
      throw new InvalidScope('Switchboard does not offer OpenID Connect; ask for the scope mcp', 'openid')
    }
    await next()
    if (ctx.oidc?.route === 'discovery' && isRecord(ctx.body) && Array.isArray(ctx.body.scopes_supported)) {
      ctx.body.scopes_supported = ctx.body.scopes_supported.filter((value: unknown) => value !== 'openid')
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** The plain-text page for an error the provider cannot send back to the app: the code and its description only. */
function errorPage(out: Record<string, string>): string {
  const what = [out.error, out.error_description].filter(Boolean).join(': ')
  return `Switchboard could not complete this authorization (${what}).\nGo back to the app and connect again.\n`
}
