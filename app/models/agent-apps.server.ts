// "Connected apps": the apps a person allowed at a workspace's MCP endpoint (one AgentGrant row each), for the
// person and, across the workspace, for its owners and admins; and revoking them. The bearer check reads the
// AgentGrant row on every request, so deleting it cuts the app off at once. The authorization server's own records
// (AgentAuthRecord: tokens, codes, its Grant) carry no foreign key and are deleted here with the grant, by grantId
// (and, for a deleted account, by accountId), in the same transaction. AgentSession and AgentElicitation rows go
// with the grant by cascade. See docs/decisions/036-connected-apps-and-agent-access.md.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { recordAudit } from '#app/models/audit.server.ts'
import { getDb } from '#app/utils/db.server.ts'

/** One connected app as the pages show it (no token, no secret: the grant's public facts). */
export type ConnectedApp = {
  grantId: string
  clientName: string
  clientId: string
  /** True when the app's identity is a Client ID Metadata Document Switchboard fetched and checked. */
  verified: boolean
  redirectHost: string
  workspace: { id: string; name: string }
  /** The whole workspace, or one server passed through (null name: the server is gone). */
  endpoint: { kind: 'workspace' } | { kind: 'server'; serverId: string; serverName: string | null }
  person: { id: string; name: string; email: string }
  createdAt: Date
  lastUsedAt: Date | null
}

const grantSelect = {
  id: true,
  clientName: true,
  clientId: true,
  viaMetadataDocument: true,
  redirectHost: true,
  resource: true,
  createdAt: true,
  lastUsedAt: true,
  workspace: { select: { id: true, name: true } },
  user: { select: { id: true, name: true, email: true } },
} as const

// NOTE: the same path shape as app/gateway/target.ts (a layer above, so not imported): /mcp/<ws>[/<server>].
const RESOURCE_SERVER_PATH = /^\/mcp\/[A-Za-z0-9_-]{1,64}\/([A-Za-z0-9_-]{1,64})\/?$/

function serverIdOf(resource: string): string | null {
  try {
    return RESOURCE_SERVER_PATH.exec(new URL(resource).pathname)?.[1] ?? null
  } catch {
    return null
  }
}

type GrantRow = {
  id: string
  clientName: string
  clientId: string
  viaMetadataDocument: boolean
  redirectHost: string
  resource: string
  createdAt: Date
  lastUsedAt: Date | null
  workspace: { id: string; name: string }
  user: { id: string; name: string; email: string }
}

async function present(rows: GrantRow[]): Promise<ConnectedApp[]> {
  const serverIds = [...new Set(rows.flatMap((row) => serverIdOf(row.resource) ?? []))]
  const servers =
    serverIds.length > 0 ? await getDb().mcpServer.findMany({ where: { id: { in: serverIds } }, select: { id: true, name: true, workspaceId: true } }) : []
  return rows.map((row) => {
    const serverId = serverIdOf(row.resource)
    // A server of another workspace is no name to show here (a resource is always this workspace's, but the
    // lookup is by id alone).
    const server = servers.find((s) => s.id === serverId && s.workspaceId === row.workspace.id)
    return {
      grantId: row.id,
      clientName: row.clientName,
      clientId: row.clientId,
      verified: row.viaMetadataDocument,
      redirectHost: row.redirectHost,
      workspace: row.workspace,
      endpoint: serverId ? { kind: 'server', serverId, serverName: server?.name ?? null } : { kind: 'workspace' },
      person: row.user,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
    }
  })
}

/** The apps `userId` connected, in every workspace where they still are a member, newest first. */
export async function listConnectedAppsOfUser(userId: string): Promise<ConnectedApp[]> {
  const rows = await getDb().agentGrant.findMany({
    where: { userId, workspace: { memberships: { some: { userId } } } },
    select: grantSelect,
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
  })
  return present(rows)
}

/** Every member's connected apps in `workspaceId` (the caller checked the asker manages it), newest first. */
export async function listConnectedAppsOfWorkspace(workspaceId: string): Promise<ConnectedApp[]> {
  const rows = await getDb().agentGrant.findMany({
    where: { workspaceId },
    select: grantSelect,
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
  })
  return present(rows)
}

/** One connected app, found only with its owner in `where`: the person's own (`userId`) or any in a workspace. */
export async function findConnectedApp(grantId: string, owner: { userId: string } | { workspaceId: string }): Promise<ConnectedApp | null> {
  const row = await getDb().agentGrant.findFirst({ where: { id: grantId, ...owner }, select: grantSelect })
  return row ? ((await present([row]))[0] ?? null) : null
}

/** The key under which the authorization server stores a record: SHA-256 (hex) of its id. */
function keyHashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex')
}

/**
 * Deletes grants and everything the authorization server issued under them, in one transaction: their tokens
 * and codes (AgentAuthRecord by grantId), the provider's Grant records (keyed by the grant id's hash), the grant
 * rows (AgentSession and AgentElicitation go by cascade). Returns how many grant rows went.
 */
async function deleteGrants(grantIds: string[], extraAccountId?: string): Promise<number> {
  if (grantIds.length === 0 && !extraAccountId) return 0
  const db = getDb()
  const [, , deleted] = await db.$transaction([
    db.agentAuthRecord.deleteMany({ where: { grantId: { in: grantIds } } }),
    db.agentAuthRecord.deleteMany({
      where: {
        OR: [{ model: 'Grant', keyHash: { in: grantIds.map(keyHashOf) } }, ...(extraAccountId ? [{ accountId: extraAccountId }] : [])],
      },
    }),
    db.agentGrant.deleteMany({ where: { id: { in: grantIds } } }),
  ])
  return deleted.count
}

/**
 * Revokes one connected app for `actorId`, found with its owner in `where` (the caller decided who may revoke
 * whose): the app is cut off at its next request. Audited. False when there was no such app (already revoked).
 */
export async function revokeConnectedApp(
  grantId: string,
  owner: { userId: string } | { workspaceId: string },
  actorId: string,
): Promise<boolean> {
  const app = await findConnectedApp(grantId, owner)
  if (!app) return false
  const deleted = await deleteGrants([app.grantId])
  if (deleted === 0) return false
  const whose = app.person.id === actorId ? '' : ` of ${app.person.name} (${app.person.email})`
  await recordAudit({
    workspaceId: app.workspace.id,
    actorId,
    event: 'agent.app_revoked',
    detail: `${app.clientName}${whose}${app.verified ? '' : ', self-registered'}, redirect host ${app.redirectHost}`,
    server: app.endpoint.kind === 'server' ? { id: app.endpoint.serverId, name: app.endpoint.serverName ?? 'a deleted server' } : null,
  })
  return true
}

/**
 * Revokes every app `userId` connected in `workspaceId` (a member removed or leaving): their grants and what
 * was issued under them go at once. Returns how many apps were revoked. Not audited here: the removal is.
 */
export async function revokeAgentGrantsForMember(workspaceId: string, userId: string): Promise<number> {
  const grants = await getDb().agentGrant.findMany({ where: { workspaceId, userId }, select: { id: true } })
  return deleteGrants(grants.map((g) => g.id))
}

/**
 * After a server is deleted: the grants for its own endpoint (`/mcp/<workspace>/<server>`) can serve nothing any
 * more, and Connected apps should not list them. Grants for the whole workspace stay. Returns how many went.
 */
export async function revokeAgentGrantsForServer(workspaceId: string, serverId: string): Promise<number> {
  const grants = await getDb().agentGrant.findMany({
    where: { workspaceId, OR: [{ resource: { endsWith: `/mcp/${workspaceId}/${serverId}` } }, { resource: { endsWith: `/mcp/${workspaceId}/${serverId}/` } }] },
    select: { id: true, resource: true },
  })
  // The path, not just its ending, names the server (a PUBLIC_URL with a path still ends the same way).
  return deleteGrants(grants.filter((g) => serverIdOf(g.resource) === serverId).map((g) => g.id))
}

/** Before a workspace is deleted: its grants (which the delete would cascade) and their records (which it would not). */
export async function revokeAgentGrantsForWorkspace(workspaceId: string): Promise<number> {
  const grants = await getDb().agentGrant.findMany({ where: { workspaceId }, select: { id: true } })
  return deleteGrants(grants.map((g) => g.id))
}

const MemberGrantSchema = z.object({
  userId: z.string(),
  workspaceId: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  lastUsedAt: z.coerce.date().nullable(),
})

/**
 * The grant `grantId` of `userId` at `workspaceId` while they are a member of it, or null: what the bearer check reads
 * on every agent request (app/gateway/auth.server.ts). One statement, in plain SQL (ADR 037): Prisma's relation filter
 * costs twice as much.
 */
export async function findMemberGrant(grantId: string, userId: string, workspaceId: string): Promise<z.infer<typeof MemberGrantSchema> | null> {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT g."userId", g."workspaceId", g."clientId", g."clientName", g."lastUsedAt"
    FROM "AgentGrant" g
    JOIN "Membership" m ON m."userId" = g."userId" AND m."workspaceId" = g."workspaceId"
    WHERE g."id" = ${grantId} AND g."userId" = ${userId} AND g."workspaceId" = ${workspaceId}`
  return rows.length === 0 ? null : MemberGrantSchema.parse(rows[0])
}

/** Whether the grant exists, member or not (a refusal's reason: revoked, or no longer a member). */
export async function grantExists(grantId: string, userId: string, workspaceId: string): Promise<boolean> {
  return (await getDb().agentGrant.count({ where: { id: grantId, userId, workspaceId } })) > 0
}

/** `AgentGrant.lastUsedAt` is written at most this often per grant, so a busy agent does not write on every call. */
export const LAST_USED_WRITE_INTERVAL_MS = 60 * 1000

/**
 * Records that the app was used, at most once a minute per grant: nothing when `lastUsedAt` (as just read) is
 * recent, else one conditional UPDATE, which also leaves a parallel request's fresher write alone.
 */
export async function touchGrant(grantId: string, lastUsedAt: Date | null): Promise<void> {
  const now = new Date()
  const due = new Date(now.getTime() - LAST_USED_WRITE_INTERVAL_MS)
  if (lastUsedAt !== null && lastUsedAt >= due) return
  await getDb().agentGrant.updateMany({
    where: { id: grantId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: due } }] },
    data: { lastUsedAt: now },
  })
}

/** Before an account is deleted: every grant of the person and every authorization-server record of theirs (sessions too). */
export async function revokeAgentAccessForAccount(userId: string): Promise<number> {
  const grants = await getDb().agentGrant.findMany({ where: { userId }, select: { id: true } })
  return deleteGrants(
    grants.map((g) => g.id),
    userId,
  )
}
