// Removing a member (or leaving): the membership goes, then their own OAuth sign-ins to the
// workspace's servers (revoked at the authorization server, best effort), then the audit.
import { revokeAgentGrantsForMember } from '#app/models/agent-apps.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { removeMember, serversConnectedBy } from '#app/models/workspace.server.ts'
import { disconnect } from '#app/oauth/revocation.server.ts'
import type { Role } from '#app/utils/permissions.ts'

/**
 * Removes `target` from the workspace for `actor` (who may be the target: leaving). Throws
 * MembershipError when the change is not allowed (nothing changed then).
 */
export async function removeWorkspaceMember(input: {
  workspaceId: string
  actor: { id: string; role: Role }
  target: { id: string; name: string; email: string; role: Role }
}): Promise<void> {
  const { workspaceId, actor, target } = input
  await removeMember(workspaceId, actor, target.id)
  // Their apps at the workspace's MCP endpoints are cut off at once (docs/decisions/036-connected-apps-and-agent-access.md).
  const apps = await revokeAgentGrantsForMember(workspaceId, target.id)
  // Disconnect ends the sessions opened with their tokens, revokes them and deletes the connection.
  for (const server of await serversConnectedBy(workspaceId, target.id)) await disconnect(server, target.id)
  await recordAudit({
    workspaceId,
    actorId: actor.id,
    event: actor.id === target.id ? 'member.left' : 'member.removed',
    detail: `${target.name} (${target.email}), was ${target.role}`,
  })
  if (apps > 0) {
    await recordAudit({ workspaceId, actorId: actor.id, event: 'agent.app_revoked', detail: `${apps} connected app${apps === 1 ? '' : 's'} of ${target.name} (${target.email}), with the membership` })
  }
}
