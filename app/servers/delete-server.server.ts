// Deleting a server.
import { revokeAgentGrantsForServer } from '#app/models/agent-apps.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { deleteServerRow } from '#app/models/server-write.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'

/** Deletes a server; its OAuth tokens are revoked at the authorization server (best effort) with what was read before. */
export async function deleteServer(server: ServerSummary, actorId: string): Promise<void> {
  await commitServerChange(server, actorId, {
    invalidatesOAuth: true,
    write: () => deleteServerRow(server),
    audit: () => [{ event: 'server.deleted', detail: server.url }],
  })
  // Apps allowed at this server's own endpoint lose it with the server (docs/decisions/036-connected-apps-and-agent-access.md).
  await revokeAgentGrantsForServer(server.workspaceId, server.id)
}
