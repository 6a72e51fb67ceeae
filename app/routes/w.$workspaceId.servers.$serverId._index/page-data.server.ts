// The server page's loader data: what the page shows of the server and its OAuth connection (no secrets).
import type { ServerSummary } from '#app/models/server.server.ts'
import { recentServerHealth } from '#app/models/tool-call-log.server.ts'
import { getConnectionInfo, ownerKeyFor } from '#app/oauth/store/connections.server.ts'
import { CLIENT_NEEDED_MESSAGE, CLIENT_NEEDED_PARAM } from '#app/servers/add-server.server.ts'
import type { WorkspaceAccess } from '#app/models/workspace.server.ts'
import { legacyIssuerWithPath } from '#app/oauth/metadata.server.ts'
import { parseOAuthExceptions } from '#app/oauth/rules.ts'
import { clientMetadataUrl, redirectUri } from '#app/oauth/client-identity.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { readServerIssuer } from '#app/oauth/store/issuers.server.ts'
import { deriveServerStatus } from '#app/models/server-status.ts'
import { readServerAgentAccess } from '#app/models/agent-access.server.ts'
import { endpointUrl } from '#app/gateway/target.ts'
import { getEnv } from '#app/utils/env.server.ts'

/** The page's data for this user, whose membership (`workspace`, `role`) and server the loader has checked. */
export async function serverPageData(
  request: Request,
  user: { id: string },
  { workspace, role }: WorkspaceAccess,
  server: ServerSummary,
) {
  const canManage = canManageWorkspace(role)
  const isOAuth = server.authType === 'oauth'
  const connection = isOAuth ? await getConnectionInfo(server.id, ownerKeyFor(user.id, server.oauthShared)) : null
  const exceptions = parseOAuthExceptions(server.oauthExceptions)
  const discoveredIssuer = isOAuth && exceptions.includes('legacy_discovery') ? await readServerIssuer(server.id) : null
  const stale = connection !== null && connection.configVersion !== server.configVersion
  // The "Recent calls" chart (components/health-chart.tsx): the server's latest answers.
  const health = (await recentServerHealth(workspace.id, server.id))[server.id] ?? []
  const agentAccess = await readServerAgentAccess(workspace.id, server.id)
  return {
    workspace,
    canManage,
    health,
    // "Available to agents" and the tool prefix (components in agent-settings.tsx); the URL of this server alone.
    agents: {
      available: agentAccess?.available ?? false,
      prefix: agentAccess?.prefix ?? null,
      effectivePrefix: agentAccess?.effectivePrefix ?? '',
      derivedPrefix: agentAccess?.derivedPrefix ?? '',
      serverEndpoint: endpointUrl(getEnv().PUBLIC_URL, { workspaceId: workspace.id, serverId: server.id }),
    },
    // The one status of this server for this person: the same words as the list and the Tools page.
    status: deriveServerStatus({
      enabled: server.enabled,
      authType: server.authType,
      headerCount: server.headers.length,
      probeOutcome: server.probeOutcome,
      probedAt: server.probedAt,
      shared: server.oauthShared,
      connection: connection ? { status: connection.status, stale, connectedByName: connection.connectedByName } : null,
    }),
    oauth: isOAuth
      ? {
          shared: server.oauthShared,
          exceptions,
          legacyIssuer: discoveredIssuer && legacyIssuerWithPath(server.url, discoveredIssuer) ? discoveredIssuer : null,
          canConnect: server.enabled && (!server.oauthShared || canManage),
          connection: connection
            ? {
                status: connection.status,
                stale,
                lastError: connection.lastError,
                scopes: connection.scopes,
                expiresAt: connection.expiresAt,
                issuer: connection.issuer,
                clientKind: connection.clientKind,
                connectedAt: connection.connectedAt,
                connectedByName: connection.connectedByName,
                hasRefreshToken: connection.hasRefreshToken,
              }
            : null,
        }
      : null,
    oauthSettings:
      canManage && (isOAuth || server.oauthClientId)
        ? {
            clientId: server.oauthClientId,
            hasClientSecret: server.hasOAuthClientSecret,
            authMethod: server.oauthTokenAuthMethod,
            scopes: server.oauthScopes,
            shared: server.oauthShared,
            exceptions,
            redirectUri: redirectUri(),
            clientMetadataUrl: clientMetadataUrl(),
            // Add sends people here (?client=needed) when no client can be found otherwise.
            clientNeeded:
              new URL(request.url).searchParams.get('client') === CLIENT_NEEDED_PARAM && !server.oauthClientId ? CLIENT_NEEDED_MESSAGE : null,
          }
        : null,
    server: {
      id: server.id,
      name: server.name,
      url: server.url,
      transport: server.transport,
      authType: server.authType,
      authTypeLocked: server.authTypeLocked,
      timeoutMs: server.timeoutMs,
      enabled: server.enabled,
      createdByName: server.createdByName,
      createdAt: server.createdAt,
      probedAt: server.probedAt,
      probeOutcome: server.probeOutcome,
      probeMessage: server.probeMessage,
      probeTransport: server.probeTransport,
      probeToolCount: server.probeToolCount,
      probeServerName: server.probeServerName,
      protocolVersion: server.probeProtocolVersion,
      // Names only: header values are write-only.
      headers: server.headers.map((h) => ({ id: h.id, name: h.name, updatedAt: h.updatedAt })),
    },
  }
}
