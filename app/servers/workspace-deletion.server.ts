// Deleting a workspace: every server's OAuth connections are revoked and its pooled MCP sessions ended,
// as deleting each server would, then the workspace goes with everything in it.
import { workspaceServersForRevocation, deleteWorkspaceRow } from '#app/models/account.server.ts'
import { revokeAgentGrantsForWorkspace } from '#app/models/agent-apps.server.ts'
import { invalidateServerOAuth, prepareServerInvalidation } from '#app/oauth/revocation.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/**
 * Deletes a workspace for `actorId` (the caller checked they own it). What revoking needs is read
 * before the rows go (as commitServerChange does for one server); revocation is best effort.
 */
export async function deleteWorkspace(workspaceId: string, actorId: string): Promise<void> {
  const servers = await workspaceServersForRevocation(workspaceId)
  const prepared = []
  for (const server of servers) prepared.push({ server, revocations: await prepareServerInvalidation(server) })
  // The grants would go with the workspace row, but the authorization server's records of them have no foreign key.
  const apps = await revokeAgentGrantsForWorkspace(workspaceId)
  await deleteWorkspaceRow(workspaceId)
  let revocationFailures = 0
  for (const { server, revocations } of prepared) revocationFailures += (await invalidateServerOAuth(server, revocations)).revocationFailures
  // The audit log went with the workspace: the application log keeps the fact, by id.
  logger.info({ workspaceId, actorId, servers: servers.length, revocationFailures, connectedApps: apps }, 'workspace deleted')
}
