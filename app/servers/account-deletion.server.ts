// Deleting an account (docs/decisions/028-invites-and-account-settings.md): refused while the person is
// the only owner of a workspace others use; workspaces where they are alone are deleted; from the others
// they leave as a removed member would (their own OAuth sign-ins revoked), then the account goes.
import { accountDeletionPlan, deleteUserRow } from '#app/models/account.server.ts'
import { revokeAgentAccessForAccount } from '#app/models/agent-apps.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { serversConnectedBy } from '#app/models/workspace.server.ts'
import { disconnect } from '#app/oauth/revocation.server.ts'
import { deleteWorkspace } from '#app/servers/workspace-deletion.server.ts'
import { logger } from '#app/utils/logger.server.ts'

/** Why an account cannot be deleted yet, in words. */
export class AccountDeletionError extends Error {
  override name = 'AccountDeletionError'
}

/** Deletes the account of `user`. Throws AccountDeletionError (nothing changed) while a workspace would lose its last owner. */
export async function deleteAccount(user: { id: string; name: string; email: string }): Promise<void> {
  const plan = await accountDeletionPlan(user.id)
  if (plan.blocking.length > 0) {
    const names = plan.blocking.map((w) => `“${w.name}”`).join(', ')
    throw new AccountDeletionError(`You are the only owner of ${names}. Make someone else an owner there, or delete the workspace, first.`)
  }
  for (const workspace of plan.left) {
    // As a member's removal: end the sessions opened with their tokens, revoke, delete.
    for (const server of await serversConnectedBy(workspace.id, user.id)) await disconnect(server, user.id)
    await recordAudit({ workspaceId: workspace.id, actorId: user.id, event: 'member.account_deleted', detail: `${user.name} (${user.email}), was ${workspace.role}` })
  }
  for (const workspace of plan.deleted) await deleteWorkspace(workspace.id, user.id)
  // The grants would go with the user row, but the authorization server's records of them have no foreign key.
  await revokeAgentAccessForAccount(user.id)
  await deleteUserRow(user.id)
  logger.info({ userId: user.id, workspacesDeleted: plan.deleted.length, workspacesLeft: plan.left.length }, 'account deleted')
}
