// Removing a member (or leaving): the membership goes, then their own OAuth sign-ins to the
// workspace's servers (revoked at the authorization server, best effort), then the audit.
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
  // Disconnect ends the sessions opened with their tokens, revokes them and deletes the connection.
  for (const server of await serversConnectedBy(workspaceId, target.id)) await disconnect(server, target.id)
  await recordAudit({
    workspaceId,
    actorId: actor.id,
    event: actor.id === target.id ? 'member.left' : 'member.removed',
    detail: `${target.name} (${target.email}), was ${target.role}`,
  })
}
