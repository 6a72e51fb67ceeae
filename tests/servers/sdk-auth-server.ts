import http from 'node:http'
import express from 'express'
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js'
import {
  MetadataDocumentClientsStore,
  type MetadataDocumentCounters,
} from '#tests/servers/client-id-metadata-documents.ts'
import { createProtectedMcpEndpoint, type ChallengeScope } from '#tests/servers/mcp-endpoint.ts'
import { listenOnLoopback } from '#tests/servers/peer-http.ts'
import { createPeerHandle, createPeerStats, type PeerHandle, type PeerStats } from '#tests/servers/peer-stats.ts'
import {
  InMemoryClientsStore,
  InMemoryOAuthProvider,
  mountAuthorizationServer,
  type AuthorizationServerVariantOptions,
} from '#tests/servers/sdk-oauth-provider.ts'

// Peer 1: an MCP server that is its own authorization server, built from the SDK's pieces.
// Dynamic client registration, auto-approved authorization, rotating refresh tokens, revocation.
// See tests/servers/README.md.

export type SdkAuthServerOptions = AuthorizationServerVariantOptions & {
  /** `scopes_supported` of the protected-resource metadata, granted when a client asks for none. Default `['mcp:tools']`. */
  scopes?: string[]
  /** Scopes every MCP request needs (403 `insufficient_scope` without them). Default none. */
  requiredScopes?: string[]
  /** Tool name → an extra scope that calling it needs, e.g. `{ create_ticket: 'tickets:write' }`. Default none. */
  toolScopes?: Record<string, string>
  /**
   * Scopes the authorization server accepts in a request but never grants (silent down-scoping):
   * a step-up for them comes back without them, every time. Default none.
   */
  withheldScopes?: string[]
  /** Tools always refused with 403 `insufficient_scope` although the token holds what it names. Default none. */
  scopeRefusedTools?: string[]
  /** What a 403 challenge's `scope` lists. Default `granted-and-required` (MCP 2025-11-25's recommendation). */
  challengeScope?: ChallengeScope
  /** Access-token lifetime; may be fractional. Default 3600. */
  accessTokenTtlSeconds?: number
  /** Default true. */
  issueRefreshTokens?: boolean
  /**
   * Default false. True accepts a client_id that is the URL of a Client ID Metadata Document (https, or http on
   * a loopback host) and advertises `client_id_metadata_document_supported`. See client-id-metadata-documents.ts.
   */
  clientIdMetadataDocuments?: boolean
  /**
   * Default none. A path such as `/meta/resource.json`: the protected-resource metadata is served there only
   * (the well-known URLs answer 404) and every 401/403 challenge names it in `resource_metadata`, so only a
   * client that follows the challenge finds it (MCP 2025-11-25).
   */
  resourceMetadataPath?: string
  /**
   * Default none. The `issuer` the authorization server metadata names, from the peer's origin, e.g.
   * ``(origin) => `${origin}/oauth` ``: MCP 2025-03-26 servers whose metadata at the origin names an issuer with a
   * path. The metadata and the endpoints stay where they are (at the root).
   */
  metadataIssuer?: (origin: string) => string
  /** Awaited before the MCP endpoint handles a DELETE (a session's end): a server slow to end sessions. Default none. */
  beforeSessionDelete?: () => Promise<void>
}

export type SdkAuthServerStats = PeerStats &
  MetadataDocumentCounters & {
    /** Successful `/register` calls. */
    registrations: number
  }

export type SdkAuthServer = PeerHandle<SdkAuthServerStats>

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
  const customMetadataPath = options.resourceMetadataPath
  const resourceMetadataUrl =
    customMetadataPath === undefined ? getOAuthProtectedResourceMetadataUrl(mcpUrl) : new URL(customMetadataPath, origin).href

  const stats: SdkAuthServerStats = createPeerStats(
    { registrations: 0, metadataDocumentFetches: 0, metadataDocumentFailures: 0 },
    () => provider,
  )
  const clientsStore = options.clientIdMetadataDocuments
    ? new MetadataDocumentClientsStore(stats)
    : new InMemoryClientsStore(stats)
  const provider = new InMemoryOAuthProvider({
    clientsStore,
    resource: mcpUrl,
    knownScopes: grantableScopes,
    defaultScopes: scopes,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    issueRefreshTokens: options.issueRefreshTokens ?? true,
    rejectResourceParameter: options.rejectResourceParameter ?? false,
    counters: stats,
    withheldScopes: options.withheldScopes ?? [],
  })
  const metadata = mountAuthorizationServer(app, {
    // A custom metadata path replaces the well-known one (mounted below).
    variant: customMetadataPath === undefined ? options : { ...options, protectedResourceMetadata: false },
    provider,
    issuer,
    mcpUrl,
    resourceScopes: scopes,
    grantableScopes,
    metadataOverrides: {
      // Public clients (token_endpoint_auth_method "none") revoke with their client_id alone.
      revocation_endpoint_auth_methods_supported: ['client_secret_post', 'none'],
      ...(options.clientIdMetadataDocuments ? { client_id_metadata_document_supported: true } : {}),
      ...(options.metadataIssuer ? { issuer: options.metadataIssuer(origin) } : {}),
    },
    counters: stats,
    resourceName: 'Switchboard test peer (SDK authorization server)',
  })

  if (customMetadataPath !== undefined) {
    app.get(customMetadataPath, (_req, res) => {
      res.json({
        resource: options.resourceOverride ?? mcpUrl.href,
        authorization_servers: [metadata.issuer],
        scopes_supported: scopes,
        resource_name: 'Switchboard test peer (SDK authorization server, metadata at a custom path)',
      })
    })
  }

  const mcp = createProtectedMcpEndpoint({
    peer: PEER,
    verifier: provider,
    resourceMetadataUrl: options.protectedResourceMetadata === false ? undefined : resourceMetadataUrl,
    resource: mcpUrl,
    requiredScopes,
    toolScopes,
    challengeScope: options.challengeScope ?? 'granted-and-required',
    bearerChallenge: options.bearerChallenge,
    stats: stats.mcp,
    scopeRefusedTools: options.scopeRefusedTools ?? [],
    beforeSessionDelete: options.beforeSessionDelete,

    era: options.mcpEra,
  })
  app.use(mcpUrl.pathname, mcp.router)

  return createPeerHandle({ mcpUrl, issuer, resourceMetadataUrl, metadata, stats, provider, mcp, httpServer })
}
