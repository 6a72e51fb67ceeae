import type { OAuthServer } from '#app/oauth/client-identity.server.ts'
import { oauthClientFields, oauthClientFieldsSelect } from '#app/models/server.server.ts'
import { z } from 'zod'
import { Role } from '#app/generated/prisma-sqlite/enums.ts'
import { type Db, SqlBoolean, getDb } from '#app/utils/db.server.ts'
import { memoizeForRequest } from '#app/utils/request-context.server.ts'
import { assignableRoles, canManageMember, canManageWorkspace } from '#app/utils/permissions.ts'

export type WorkspaceAccess = {
  workspace: { id: string; name: string; personal: boolean }
  role: Role
}

const notFound = () => new Response('Workspace not found', { status: 404 })

/**
 * The workspace and the caller's role in it. Throws 404 when the workspace does not exist
 * or the user is not a member: non-members cannot tell the two apart.
 * It reads the user's membership list, which the workspace layout shows anyway: on a GET the layout and the page
 * share one lookup (listWorkspaces is memoized per request), and a person has a handful of workspaces.
 */
export async function requireMembership(userId: string, workspaceId: string): Promise<WorkspaceAccess> {
  const membership = (await listWorkspaces(userId)).find((m) => m.workspace.id === workspaceId)
  if (!membership) throw notFound()
  return { workspace: membership.workspace, role: membership.role }
}

/** Like requireMembership, and throws 403 unless the caller is an owner or admin. */
export async function requireWorkspaceAdmin(userId: string, workspaceId: string): Promise<WorkspaceAccess> {
  const access = await requireMembership(userId, workspaceId)
  if (!canManageWorkspace(access.role)) {
    throw new Response('Only owners and admins of this workspace can do that', { status: 403 })
  }
  return access
}

/** Like requireMembership, and throws 403 unless the caller is an owner (renaming or deleting the workspace). */
export async function requireWorkspaceOwner(userId: string, workspaceId: string): Promise<WorkspaceAccess> {
  const access = await requireMembership(userId, workspaceId)
  if (access.role !== 'owner') throw new Response('Only owners of this workspace can do that', { status: 403 })
  return access
}

const MembershipRowSchema = z.object({
  role: z.enum(Role),
  id: z.string(),
  name: z.string(),
  personal: SqlBoolean,
})

/**
 * The user's workspaces with their role in each, personal first, then by name. Asked once per GET request, by
 * every workspace page (the layout and the page share it): one plain statement that both databases read alike,
 * where the Prisma call made two (bench/RESULTS.md, 2026-12-05).
 */
export function listWorkspaces(userId: string) {
  return memoizeForRequest(`workspaces:${userId}`, async () => {
    const rows = await getDb().$queryRaw<unknown[]>`
      SELECT m."role", w."id", w."name", w."personal"
      FROM "Membership" m JOIN "Workspace" w ON w."id" = m."workspaceId"
      WHERE m."userId" = ${userId}
      ORDER BY w."personal" DESC, w."name" ASC`
    return rows.map((raw) => {
      const { role, ...workspace } = MembershipRowSchema.parse(raw)
      return { role, workspace }
    })
  })
}

/** Where "/" sends a signed-in user: the last workspace they chose if still a member, else their first. */
export async function homeWorkspaceId(userId: string, lastWorkspaceId: string | null): Promise<string | null> {
  const db = getDb()
  if (lastWorkspaceId) {
    const member = await db.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: lastWorkspaceId, userId } },
      select: { workspaceId: true },
    })
    if (member) return member.workspaceId
  }
  const first = await listWorkspaces(userId)
  return first[0]?.workspace.id ?? null
}

export async function createWorkspace(userId: string, name: string): Promise<string> {
  const workspace = await getDb().workspace.create({
    data: { name: name.trim(), memberships: { create: { userId, role: 'owner' } } },
    select: { id: true },
  })
  return workspace.id
}

export async function renameWorkspace(workspaceId: string, name: string): Promise<void> {
  await getDb().workspace.update({ where: { id: workspaceId }, data: { name: name.trim() }, select: { id: true } })
}

/** Records the workspace "/" returns to. Only called for workspaces the user is a member of. */
export async function rememberWorkspace(userId: string, workspaceId: string): Promise<void> {
  await getDb().user.update({ where: { id: userId }, data: { lastWorkspaceId: workspaceId }, select: { id: true } })
}

export function listMembers(workspaceId: string) {
  return getDb().membership.findMany({
    where: { workspaceId },
    select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
    orderBy: [{ createdAt: 'asc' }],
  })
}

/** Why a membership change was refused, in words for the person who asked. */
export class MembershipError extends Error {
  override name = 'MembershipError'
  constructor(
    message: string,
    readonly field: 'email' | 'role' | 'userId' | null = null,
  ) {
    super(message)
  }
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

/**
 * Runs `fn` in a transaction that first writes the workspace row. That takes the row lock
 * on PostgreSQL (SQLite has one writer anyway), so concurrent membership changes of one
 * workspace run one after another and "at least one owner" cannot be raced away.
 */
async function withWorkspaceLock<T>(workspaceId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return getDb().$transaction(async (tx) => {
    await tx.workspace.update({ where: { id: workspaceId }, data: { updatedAt: new Date() }, select: { id: true } })
    return fn(tx)
  })
}

async function ownerCount(tx: Tx, workspaceId: string): Promise<number> {
  return tx.membership.count({ where: { workspaceId, role: 'owner' } })
}

async function targetRole(tx: Tx, workspaceId: string, userId: string): Promise<Role> {
  const membership = await tx.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    select: { role: true },
  })
  if (!membership) throw new MembershipError('That person is not a member of this workspace.', 'userId')
  return membership.role
}

/** Adds an existing account by email. Throws MembershipError for unknown emails, members, or roles the actor may not give. */
export async function addMember(workspaceId: string, actorRole: Role, email: string, role: Role) {
  if (!assignableRoles(actorRole).includes(role)) {
    throw new MembershipError(`You cannot give the ${role} role.`, 'role')
  }
  return withWorkspaceLock(workspaceId, async (tx) => {
    const user = await tx.user.findUnique({ where: { email }, select: { id: true, name: true } })
    if (!user) {
      throw new MembershipError('No Switchboard account uses this email. Ask them to sign up first.', 'email')
    }
    const existing = await tx.membership.findUnique({
      where: { workspaceId_userId: { workspaceId, userId: user.id } },
      select: { role: true },
    })
    if (existing) throw new MembershipError(`${user.name} is already a member of this workspace.`, 'email')
    await tx.membership.create({ data: { workspaceId, userId: user.id, role }, select: { userId: true } })
    return user
  })
}

/** Changes a member's role, keeping at least one owner. Returns the member's name and former role. */
export async function changeRole(workspaceId: string, actorRole: Role, userId: string, role: Role) {
  return withWorkspaceLock(workspaceId, async (tx): Promise<{ name: string; previousRole: Role }> => {
    const current = await targetRole(tx, workspaceId, userId)
    if (!canManageMember(actorRole, current) || !assignableRoles(actorRole).includes(role)) {
      throw new MembershipError('Only owners can change an owner’s role or make someone an owner.', 'role')
    }
    if (current === 'owner' && role !== 'owner' && (await ownerCount(tx, workspaceId)) <= 1) {
      throw new MembershipError('A workspace needs at least one owner. Make someone else an owner first.', 'role')
    }
    const updated = await tx.membership.update({
      where: { workspaceId_userId: { workspaceId, userId } },
      data: { role },
      select: { user: { select: { name: true } } },
    })
    return { name: updated.user.name, previousRole: current }
  })
}

/**
 * Removes a member (or lets a member leave), keeping at least one owner. Throws MembershipError.
 * Their OAuth connections stay: app/servers/member-removal.server.ts revokes them.
 */
export function removeMember(workspaceId: string, actor: { id: string; role: Role }, userId: string): Promise<void> {
  return withWorkspaceLock(workspaceId, async (tx) => {
    const current = await targetRole(tx, workspaceId, userId)
    const leaving = actor.id === userId
    if (!leaving && !canManageMember(actor.role, current)) {
      throw new MembershipError('Only owners can remove an owner.', 'userId')
    }
    if (current === 'owner' && (await ownerCount(tx, workspaceId)) <= 1) {
      throw new MembershipError(
        'A workspace needs at least one owner. Make someone else an owner before removing this one.',
        'userId',
      )
    }
    await tx.membership.delete({ where: { workspaceId_userId: { workspaceId, userId } }, select: { userId: true } })
  })
}

/** A member of the workspace with their role, or null. */
export function findMember(workspaceId: string, userId: string) {
  return getDb().membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    select: { role: true, user: { select: { id: true, name: true, email: true } } },
  })
}

/** The workspace's servers where this person has an OAuth connection of their own, as revocation needs them. */
export async function serversConnectedBy(workspaceId: string, userId: string): Promise<OAuthServer[]> {
  const servers = await getDb().mcpServer.findMany({
    where: { workspaceId, oauthConnections: { some: { userId } } },
    select: {
      id: true,
      workspaceId: true,
      name: true,
      url: true,
      configVersion: true,
      oauthClient: oauthClientFieldsSelect,
    },
  })
  return servers.map(({ oauthClient, ...server }) => ({ ...server, ...oauthClientFields(oauthClient) }))
}
