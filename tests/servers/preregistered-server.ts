import { createHash, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import express, { type RequestHandler, type Response } from 'express'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js'
import { createProtectedMcpEndpoint } from '#tests/servers/mcp-endpoint.ts'
import { listenOnLoopback } from '#tests/servers/peer-http.ts'
import { createPeerHandle, createPeerStats, type PeerHandle, type PeerStats } from '#tests/servers/peer-stats.ts'
import {
  FixedClientsStore,
  InMemoryOAuthProvider,
  mountAuthorizationServer,
  type AuthorizationServerVariantOptions,
} from '#tests/servers/sdk-oauth-provider.ts'

// Peer 3: an MCP server whose authorization server has no registration endpoint and knows one
// confidential client, registered out of band, that must authenticate with HTTP Basic
// (client_secret_basic, RFC 6749 §2.3.1) at the token and revocation endpoints.
// See tests/servers/README.md.

export type PreregisteredServerOptions = AuthorizationServerVariantOptions & {
  clientId: string
  clientSecret: string
  /** The client's registered redirect URIs. Loopback URIs match on any port (RFC 8252 §7.3). */
  redirectUris: string[]
  /** Default `['mcp:tools']`. */
  scopes?: string[]
  /** Default 3600. */
  accessTokenTtlSeconds?: number
  /** Default true. */
  issueRefreshTokens?: boolean
}

export type PreregisteredServerStats = PeerStats & {
  /** Token or revocation requests refused because the client did not authenticate with HTTP Basic. */
  clientAuthenticationFailures: number
}

export type PreregisteredServer = PeerHandle<PreregisteredServerStats>

const PEER = 'preregistered server'
const BASIC_REALM = 'Switchboard test peer'

/** Starts peer 3 on 127.0.0.1 and resolves once it listens. */
export async function startPreregisteredServer(options: PreregisteredServerOptions): Promise<PreregisteredServer> {
  const scopes = options.scopes ?? ['mcp:tools']

  const app = express()
  const httpServer = http.createServer(app)
  const origin = await listenOnLoopback(httpServer)
  const issuer = new URL(`${origin}/`)
  const mcpUrl = new URL(`${origin}/mcp`)
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl)

  const stats: PreregisteredServerStats = createPeerStats({ clientAuthenticationFailures: 0 }, () => provider)
  const provider = new InMemoryOAuthProvider({
    clientsStore: new FixedClientsStore({
      client_id: options.clientId,
      client_secret: options.clientSecret,
      redirect_uris: options.redirectUris,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'Pre-registered Switchboard client',
    }),
    resource: mcpUrl,
    knownScopes: scopes,
    defaultScopes: scopes,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    issueRefreshTokens: options.issueRefreshTokens ?? true,
    rejectResourceParameter: options.rejectResourceParameter ?? false,
    counters: stats,
  })
  const metadata = mountAuthorizationServer(app, {
    variant: options,
    provider,
    issuer,
    mcpUrl,
    resourceScopes: scopes,
    grantableScopes: scopes,
    metadataOverrides: {
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
    },
    clientAuthentication: requireClientSecretBasic(options.clientId, options.clientSecret, () => {
      stats.clientAuthenticationFailures += 1
    }),
    counters: stats,
    resourceName: 'Switchboard test peer (pre-registered client only)',
  })

  const mcp = createProtectedMcpEndpoint({
    peer: PEER,
    verifier: provider,
    resourceMetadataUrl: options.protectedResourceMetadata === false ? undefined : resourceMetadataUrl,
    resource: mcpUrl,
    requiredScopes: [],
    toolScopes: {},
    challengeScope: 'granted-and-required',
    stats: stats.mcp,

    era: options.mcpEra,
  })
  app.use(mcpUrl.pathname, mcp.router)

  return createPeerHandle({ mcpUrl, issuer, resourceMetadataUrl, metadata, stats, provider, mcp, httpServer })
}

/**
 * Accepts only `Authorization: Basic` client authentication (RFC 6749 §2.3.1) and refuses
 * credentials in the body (client_secret_post) with 401 `invalid_client` (RFC 6749 §5.2).
 * NOTE: the SDK's token and revocation handlers only read `client_id`/`client_secret` from the
 * body, so once the Basic credentials check out they are copied there for the SDK to re-check.
 */
function requireClientSecretBasic(clientId: string, clientSecret: string, onFailure: () => void): RequestHandler[] {
  const expected = digest(`${clientId}:${clientSecret}`)
  const refuse = (res: Response, description: string) => {
    onFailure()
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${BASIC_REALM}"`)
      .set('Cache-Control', 'no-store')
      .json({ error: 'invalid_client', error_description: description })
  }
  return [
    express.urlencoded({ extended: false }),
    (req, res, next) => {
      const body: Record<string, unknown> = typeof req.body === 'object' && req.body !== null ? req.body : {}
      if (body.client_secret !== undefined) {
        return refuse(res, 'This client authenticates with HTTP Basic (client_secret_basic), not client_secret_post')
      }
      const credentials = parseBasic(req.get('authorization'))
      if (!credentials) return refuse(res, 'Client authentication with HTTP Basic is required')
      // Compare digests: equal lengths for timingSafeEqual, and the secret's length does not leak.
      if (!timingSafeEqual(digest(`${credentials.id}:${credentials.secret}`), expected)) {
        return refuse(res, 'Unknown client or wrong client secret')
      }
      if (body.client_id !== undefined && body.client_id !== credentials.id) {
        return refuse(res, 'client_id in the body differs from the authenticated client')
      }
      req.body = { ...body, client_id: credentials.id, client_secret: credentials.secret }
      next()
    },
  ]
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, joined with ":", then base64 (RFC 7617). */
function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    // A stray "%" that is not an escape: the client did not form-encode, and the pair cannot match.
    return undefined
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
