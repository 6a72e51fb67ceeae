import http from 'node:http'
import express, { type RequestHandler } from 'express'
import { type OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js'
import { createMcpEndpointStats, createProtectedMcpEndpoint, type McpEndpointStats } from '#tests/servers/mcp-endpoint.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import {
  type AuthorizationServerCounters,
  InMemoryClientsStore,
  InMemoryOAuthProvider,
  createAuthorizationServerCounters,
  mountAuthorizationServer,
} from '#tests/servers/sdk-oauth-provider.ts'

// A server that moves its sign-in (MCP 2026-07-28 "authorization server migration"): one MCP
// endpoint whose protected-resource metadata names authorization server 1, until `moveTo(2)`
// makes it name authorization server 2 (another origin, another issuer). Both are the SDK-based
// authorization server of sdk-oauth-provider.ts; the MCP endpoint accepts tokens of either (or,
// with `acceptOldTokens: false`, of the current one only). Each authorization server logs every
// request it receives, so a test can show that nothing of one reached the other.

export type MovingAuthServerOptions = {
  /** Default true: tokens of the former authorization server keep working at the MCP endpoint. */
  acceptOldTokens?: boolean
}

/** One request as an authorization server received it: method, path and query, Authorization (Basic decoded) and body. */
export type LoggedRequest = { method: string; url: string; authorization: string; body: string }

export type MovingAuthorizationServer = {
  issuer: string
  stats: AuthorizationServerCounters & { registrations: number }
  requests: LoggedRequest[]
}

export type MovingAuthServer = {
  mcpUrl: string
  /** Authorization servers 1 and 2. */
  authorizationServers: [MovingAuthorizationServer, MovingAuthorizationServer]
  mcpStats: McpEndpointStats
  /** Which authorization server the protected-resource metadata names from now on. */
  moveTo(which: 1 | 2): void
  close(): Promise<void>
}

const SCOPES = ['mcp:tools']

/** Starts the MCP server and both authorization servers on 127.0.0.1. */
export async function startMovingAuthServer(options: MovingAuthServerOptions = {}): Promise<MovingAuthServer> {
  const mcpApp = express()
  const mcpHttp = http.createServer(mcpApp)
  const mcpOrigin = await listenOnLoopback(mcpHttp)
  const mcpUrl = new URL(`${mcpOrigin}/mcp`)
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl)

  const started = await Promise.all([startAuthorizationServer(mcpUrl), startAuthorizationServer(mcpUrl)])
  const [first, second] = started
  let current: 1 | 2 = 1
  const currentServer = () => (current === 1 ? first : second)

  // NOTE: no-store, so a client sees the move at its next discovery rather than after a cache lifetime.
  mcpApp.get(new URL(resourceMetadataUrl).pathname, (_req, res) => {
    res.set('Cache-Control', 'no-store')
    res.json({ resource: mcpUrl.href, authorization_servers: [currentServer().handle.issuer], scopes_supported: SCOPES, resource_name: 'Switchboard test peer (moving sign-in)' })
  })

  const verifier: OAuthTokenVerifier = {
    async verifyAccessToken(token) {
      const order = current === 1 ? [first, second] : [second, first]
      const candidates = options.acceptOldTokens === false ? order.slice(0, 1) : order
      let lastError: unknown = new Error('no authorization server')
      for (const candidate of candidates) {
        try {
          return await candidate.provider.verifyAccessToken(token)
        } catch (error) {
          lastError = error
        }
      }
      throw lastError
    },
  }
  const mcpStats = createMcpEndpointStats()
  const mcp = createProtectedMcpEndpoint({
    peer: 'moving auth server',
    verifier,
    resourceMetadataUrl,
    resource: mcpUrl,
    requiredScopes: [],
    toolScopes: {},
    challengeScope: 'granted-and-required',
    stats: mcpStats,
  })
  mcpApp.use(mcpUrl.pathname, mcp.router)

  let closing: Promise<void> | undefined
  return {
    mcpUrl: mcpUrl.href,
    authorizationServers: [first.handle, second.handle],
    mcpStats,
    moveTo(which) {
      current = which
    },
    close() {
      closing ??= mcp
        .closeSessions()
        .then(() => Promise.all([closeServer(mcpHttp), ...started.map((entry) => closeServer(entry.httpServer))]))
        .then(() => undefined)
      return closing
    },
  }
}

async function startAuthorizationServer(mcpUrl: URL) {
  const app = express()
  const httpServer = http.createServer(app)
  const origin = await listenOnLoopback(httpServer)
  const issuer = new URL(`${origin}/`)
  const stats = { ...createAuthorizationServerCounters(), registrations: 0 }
  const requests: LoggedRequest[] = []
  const provider = new InMemoryOAuthProvider({
    clientsStore: new InMemoryClientsStore(stats),
    resource: mcpUrl,
    knownScopes: SCOPES,
    defaultScopes: SCOPES,
    accessTokenTtlSeconds: 3600,
    issueRefreshTokens: true,
    rejectResourceParameter: false,
    counters: stats,
  })
  // Parsed here so the log holds the body; the SDK's handlers then find it parsed and skip theirs.
  app.use(express.urlencoded({ extended: false }), express.json(), logRequests(requests))
  mountAuthorizationServer(app, {
    variant: { protectedResourceMetadata: false },
    provider,
    issuer,
    mcpUrl,
    resourceScopes: SCOPES,
    grantableScopes: SCOPES,
    metadataOverrides: { revocation_endpoint_auth_methods_supported: ['client_secret_post', 'none'] },
    counters: stats,
    resourceName: 'Switchboard test peer (moving sign-in)',
  })
  return { handle: { issuer: issuer.href, stats, requests }, provider, httpServer }
}

function logRequests(requests: LoggedRequest[]): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? ''
    const basic = /^Basic\s+(.+)$/i.exec(header)?.[1]
    requests.push({
      method: req.method,
      url: req.originalUrl,
      authorization: basic ? `${header} ${Buffer.from(basic, 'base64').toString('utf8')}` : header,
      body: typeof req.body === 'object' && req.body !== null ? JSON.stringify(req.body) : '',
    })
    next()
  }
}
