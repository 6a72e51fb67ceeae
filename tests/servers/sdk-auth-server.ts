import http from 'node:http'
import express from 'express'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js'
import { type OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import {
  createMcpEndpointStats,
  createProtectedMcpEndpoint,
  type ChallengeScope,
  type McpEndpointStats,
} from '#tests/servers/mcp-endpoint.ts'
import { closeServer, listenOnLoopback } from '#tests/servers/peer-http.ts'
import {
  InMemoryClientsStore,
  InMemoryOAuthProvider,
  mountAuthorizationServer,
  type SdkAuthorizationServerStats,
} from '#tests/servers/sdk-oauth-provider.ts'

// Peer 1: an MCP server that is its own authorization server, built from the SDK's pieces.
// Dynamic client registration, auto-approved authorization, rotating refresh tokens, revocation.
// See tests/servers/README.md.

export type SdkAuthServerOptions = {
  /** `scopes_supported` of the protected-resource metadata, granted when a client asks for none. Default `['mcp:tools']`. */
  scopes?: string[]
  /** Scopes every MCP request needs (403 `insufficient_scope` without them). Default none. */
  requiredScopes?: string[]
  /** Tool name → an extra scope that calling it needs, e.g. `{ create_ticket: 'tickets:write' }`. Default none. */
  toolScopes?: Record<string, string>
  /** What a 403 challenge's `scope` lists. Default `granted-and-required` (MCP 2025-11-25's recommendation). */
  challengeScope?: ChallengeScope
  /** Access-token lifetime; may be fractional. Default 3600. */
  accessTokenTtlSeconds?: number
  /** Default true. */
  issueRefreshTokens?: boolean
}

export type SdkAuthServerStats = SdkAuthorizationServerStats & { mcp: McpEndpointStats }

export type SdkAuthServer = {
  /** The Streamable HTTP endpoint, `http://127.0.0.1:PORT/mcp`. */
  mcpUrl: string
  /** The authorization server's issuer, `http://127.0.0.1:PORT/` (same origin as the MCP endpoint). */
  issuer: string
  /** The protected-resource metadata URL the 401 challenges point at. */
  resourceMetadataUrl: string
  /** The authorization server metadata as served at `/.well-known/oauth-authorization-server`. */
  metadata: OAuthMetadata
  /** Live counters: the same object is updated in place. */
  stats: SdkAuthServerStats
  /** Revokes every grant: all access and refresh tokens stop working at once. */
  revokeAllTokens(): void
  /** Forgets all refresh tokens; access tokens keep working until they expire. */
  revokeRefreshTokens(): void
  /** Closes MCP sessions and the listening socket. Safe to call twice. */
  close(): Promise<void>
}

const PEER = 'sdk auth server'

/** Starts peer 1 on 127.0.0.1 and resolves once it listens. */
export async function startSdkAuthServer(options: SdkAuthServerOptions = {}): Promise<SdkAuthServer> {
  const scopes = options.scopes ?? ['mcp:tools']
  const requiredScopes = options.requiredScopes ?? []
  const toolScopes = options.toolScopes ?? {}
  const grantableScopes = [...new Set([...scopes, ...requiredScopes, ...Object.values(toolScopes)])]

  const app = express()
  const httpServer = http.createServer(app)
  const origin = await listenOnLoopback(httpServer)
  const issuer = new URL(`${origin}/`)
  const mcpUrl = new URL(`${origin}/mcp`)
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl)

  const clientsStore = new InMemoryClientsStore()
  const provider = new InMemoryOAuthProvider({
    clientsStore,
    resource: mcpUrl,
    knownScopes: grantableScopes,
    defaultScopes: scopes,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    issueRefreshTokens: options.issueRefreshTokens ?? true,
  })
  const tokenRequests: Record<string, number> = {}
  const tokenErrors: Record<string, number> = {}
  const metadata = mountAuthorizationServer(app, {
    provider,
    issuer,
    mcpUrl,
    resourceScopes: scopes,
    grantableScopes,
    // Public clients (token_endpoint_auth_method "none") revoke with their client_id alone.
    metadataOverrides: { revocation_endpoint_auth_methods_supported: ['client_secret_post', 'none'] },
    tokenRequests,
    tokenErrors,
    resourceName: 'Switchboard test peer (SDK authorization server)',
  })

  const mcpStats = createMcpEndpointStats()
  const mcp = createProtectedMcpEndpoint({
    peer: PEER,
    verifier: provider,
    resourceMetadataUrl,
    resource: mcpUrl,
    requiredScopes,
    toolScopes,
    challengeScope: options.challengeScope ?? 'granted-and-required',
    stats: mcpStats,
  })
  app.use(mcpUrl.pathname, mcp.router)

  const stats: SdkAuthServerStats = {
    tokenRequests,
    tokenErrors,
    get registrations() {
      return clientsStore.registrations
    },
    get authorizations() {
      return provider.authorizations
    },
    revocations: provider.revocations,
    get refreshTokenReuse() {
      return provider.refreshTokenReuse
    },
    get validAccessTokens() {
      return provider.validAccessTokens()
    },
    get validRefreshTokens() {
      return provider.validRefreshTokens()
    },
    mcp: mcpStats,
  }

  let closing: Promise<void> | undefined
  return {
    mcpUrl: mcpUrl.href,
    issuer: issuer.href,
    resourceMetadataUrl,
    metadata,
    stats,
    revokeAllTokens: () => provider.revokeAllTokens(),
    revokeRefreshTokens: () => provider.revokeRefreshTokens(),
    close() {
      closing ??= mcp.closeSessions().then(() => closeServer(httpServer))
      return closing
    },
  }
}
