// The one order every change of a server follows, so that no use case forgets a step: read what
// revoking needs (under the settings that issued the tokens), write, revoke and end the pooled
// MCP sessions, then audit.
import { type AuditInput, recordAudit } from '#app/models/audit.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { invalidateServerOAuth, prepareServerInvalidation } from '#app/oauth/revocation.server.ts'

/** An audit line of a server change; workspace, actor and server are filled in (`server` overrides the name shown). */
export type ServerAuditEntry = Omit<AuditInput, 'workspaceId' | 'actorId'>

export type ServerChange<T> = {
  /**
   * The change replaces settings every OAuth connection was issued under (URL, auth type,
   * client, sharing) or removes the server: connections are revoked and deleted, the shared
   * registration and cached discovery dropped (oauth/revocation.server.ts). Ends the sessions too.
   */
  invalidatesOAuth?: boolean
  /** Pooled MCP sessions were opened under settings this change replaces. */
  endsSessions?: boolean
  /** The write itself (a models query). A throw here happens before any consequence. */
  write: () => Promise<T>
  /** What the audit log records, from the write's result. */
  audit: (result: T) => ServerAuditEntry[]
}

/**
 * Runs one change of `server` (as read before the change) for `actorId` (null: Switchboard
 * itself) and its consequences. Returns the write's result; throws what the write throws.
 */
export async function commitServerChange<T>(server: ServerSummary, actorId: string | null, change: ServerChange<T>): Promise<T> {
  const prepared = change.invalidatesOAuth ? await prepareServerInvalidation(server) : null
  const result = await change.write()
  // The invalidation ends the sessions first, with the tokens they were opened with.
  if (prepared) await invalidateServerOAuth(server, prepared)
  else if (change.endsSessions) await getSessionPool().closeServer(server.id)
  for (const entry of change.audit(result)) {
    await recordAudit({ workspaceId: server.workspaceId, actorId, server: { id: server.id, name: server.name }, ...entry })
  }
  return result
}
