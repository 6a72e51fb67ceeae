import { type Server } from 'node:http'
import { type OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import {
  createMcpEndpointStats,
  type McpEndpointStats,
  type ProtectedMcpEndpoint,
} from '#tests/servers/mcp-endpoint.ts'
import { closeServer } from '#tests/servers/peer-http.ts'
import {
  createAuthorizationServerCounters,
  type AuthorizationServerCounters,
  type InMemoryOAuthProvider,
} from '#tests/servers/sdk-oauth-provider.ts'

// The stats object and the returned handle that the SDK-based peers (sdk-auth-server.ts,
// preregistered-server.ts) share.

export type PeerStats = AuthorizationServerCounters & {
  /** Access tokens that are neither revoked nor expired, right now. */
  readonly validAccessTokens: ReadonlySet<string>
  /** Refresh tokens that can still be exchanged, right now. */
  readonly validRefreshTokens: ReadonlySet<string>
  mcp: McpEndpointStats
}

/**
 * One stats object per peer. The provider, the clients store and the mounted handlers increment its
 * counters in place (so a test always reads live numbers), which is why it exists before the
 * provider; `provider` is only called when a token set is read. `extra` holds a peer's own counters.
 */
export function createPeerStats<Extra extends Record<string, number>>(
  extra: Extra,
  provider: () => InMemoryOAuthProvider,
): PeerStats & Extra {
  return {
    ...createAuthorizationServerCounters(),
    ...extra,
    mcp: createMcpEndpointStats(),
    get validAccessTokens() {
      return provider().validAccessTokens()
    },
    get validRefreshTokens() {
      return provider().validRefreshTokens()
    },
  }
}

export type PeerHandle<Stats> = {
  /** The Streamable HTTP endpoint, `http://127.0.0.1:PORT/mcp`. */
  mcpUrl: string
  /** The authorization server's issuer, `http://127.0.0.1:PORT/` (same origin as the MCP endpoint). */
  issuer: string
  /** Where the protected-resource metadata is (404 with `protectedResourceMetadata: false`). */
  resourceMetadataUrl: string
  /** The authorization server metadata, as served at `/.well-known/oauth-authorization-server` (unless turned off). */
  metadata: OAuthMetadata
  /** Live counters: the same object is updated in place. */
  stats: Stats
  /** Revokes every grant: all access and refresh tokens stop working at once. */
  revokeAllTokens(): void
  /** Forgets all refresh tokens; access tokens keep working until they expire. */
  revokeRefreshTokens(): void
  /** Closes MCP sessions and the listening socket. Safe to call twice. */
  close(): Promise<void>
}

export function createPeerHandle<Stats>(parts: {
  mcpUrl: URL
  issuer: URL
  resourceMetadataUrl: string
  metadata: OAuthMetadata
  stats: Stats
  provider: InMemoryOAuthProvider
  mcp: ProtectedMcpEndpoint
  httpServer: Server
}): PeerHandle<Stats> {
  const { provider, mcp, httpServer } = parts
  let closing: Promise<void> | undefined
  return {
    mcpUrl: parts.mcpUrl.href,
    issuer: parts.issuer.href,
    resourceMetadataUrl: parts.resourceMetadataUrl,
    metadata: parts.metadata,
    stats: parts.stats,
    revokeAllTokens: () => provider.revokeAllTokens(),
    revokeRefreshTokens: () => provider.revokeRefreshTokens(),
    close() {
      closing ??= mcp.closeSessions().then(() => closeServer(httpServer))
      return closing
    },
  }
}
