// Queries behind Account settings and the deletion of an account or a workspace.
import { oauthClientFields, oauthClientFieldsSelect } from '#app/models/server.server.ts'
import type { OAuthServer } from '#app/oauth/client-identity.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { getDb } from '#app/utils/db.server.ts'
import { hashPassword, verifyPassword } from '#app/utils/password.server.ts'
import { LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, reserveAttempt, resetThrottle } from '#app/utils/throttle.server.ts'

export type AccountWorkspace = { id: string; name: string; role: Role; members: number; owners: number }

/**
 * What deleting the account does to each of the person's workspaces: those where they are alone are
 * deleted with everything in them; those where they are the only owner among others block the deletion
 * (someone else must become owner first); from the rest they simply leave.
 */
export async function accountDeletionPlan(userId: string) {
  const memberships = await getDb().membership.findMany({
    where: { userId },
    select: {
      role: true,
      workspace: { select: { id: true, name: true, _count: { select: { memberships: true } }, memberships: { where: { role: 'owner' }, select: { userId: true } } } },
    },
    orderBy: { workspace: { name: 'asc' } },
  })
  const workspaces: AccountWorkspace[] = memberships.map(({ role, workspace }) => ({
    id: workspace.id,
    name: workspace.name,
    role,
    members: workspace._count.memberships,
    owners: workspace.memberships.length,
  }))
  return {
    deleted: workspaces.filter((w) => w.members === 1),
    blocking: workspaces.filter((w) => w.members > 1 && w.role === 'owner' && w.owners === 1),
    left: workspaces.filter((w) => w.members > 1 && !(w.role === 'owner' && w.owners === 1)),
  }
}

/** Every server of a workspace as revocation needs it (the workspace is about to go). */
export async function workspaceServersForRevocation(workspaceId: string): Promise<OAuthServer[]> {
  const servers = await getDb().mcpServer.findMany({
    where: { workspaceId },
    select: { id: true, workspaceId: true, name: true, url: true, configVersion: true, oauthClient: oauthClientFieldsSelect },
  })
  return servers.map(({ oauthClient, ...server }) => ({ ...server, ...oauthClientFields(oauthClient) }))
}

/** Deletes a workspace; its servers, connections, invites, audit and history go with it (cascades). */
export async function deleteWorkspaceRow(workspaceId: string): Promise<void> {
  await getDb().workspace.deleteMany({ where: { id: workspaceId } })
}

/** Deletes an account; its sessions, memberships and own OAuth connections go with it (cascades). */
export async function deleteUserRow(userId: string): Promise<void> {
  await getDb().user.deleteMany({ where: { id: userId } })
}

/** Whether `password` is the account's current password (hashing cost either way). */
async function checkPassword(userId: string, password: string): Promise<boolean> {
  const user = await getDb().user.findUnique({ where: { id: userId }, select: { passwordHash: true } })
  return user ? verifyPassword(password, user.passwordHash) : false
}

/** Stores a new password hash; this session counts as freshly authenticated. */
export async function setPassword(userId: string, password: string, sessionKey: string): Promise<void> {
  const passwordHash = await hashPassword(password)
  await getDb().$transaction([
    getDb().user.update({ where: { id: userId }, data: { passwordHash }, select: { id: true } }),
    getDb().session.updateMany({ where: { id: sessionKey, userId }, data: { authenticatedAt: new Date() } }),
  ])
}

export type PasswordCheck = { ok: true } | { ok: false; reason: 'wrong' } | { ok: false; reason: 'throttled'; retryAfterMs: number }

/**
 * Checks the current password before a sensitive change, with the sign-in delays of one account from one
 * address: a stolen session cannot guess its way to the password (docs/decisions/012).
 */
export async function confirmPassword(userId: string, password: string): Promise<PasswordCheck> {
  const key = `account-password:${userId}`
  const reserved = await reserveAttempt(key, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS)
  if (!reserved.ok) return { ok: false, reason: 'throttled', retryAfterMs: reserved.retryAfterMs }
  if (!(await checkPassword(userId, password))) return { ok: false, reason: 'wrong' }
  await resetThrottle(key)
  return { ok: true }
}
