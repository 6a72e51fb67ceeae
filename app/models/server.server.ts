// Server queries with the owner check: the summary the UI sees (no secret values) and the list pages.
import { getDb } from '#app/utils/db.server.ts'
import type { Transport } from '#app/utils/server-validation.ts'

// The database spells `streamable-http` as `streamable_http` (enum identifiers).
type DbTransport = 'auto' | 'streamable_http' | 'sse'
export const toDbTransport = (transport: Transport): DbTransport => (transport === 'streamable-http' ? 'streamable_http' : transport)
const fromDbTransport = (transport: DbTransport): Transport => (transport === 'streamable_http' ? 'streamable-http' : transport)

const serverSelect = {
  id: true,
  workspaceId: true,
  name: true,
  url: true,
  transport: true,
  authType: true,
  authTypeLocked: true,
  timeoutMs: true,
  enabled: true,
  configVersion: true,
  probedAt: true,
  probeOutcome: true,
  probeMessage: true,
  probeTransport: true,
  probeToolCount: true,
  probeServerName: true,
  oauthClientId: true,
  // Selected only to tell whether one is set: present() drops the value.
  oauthClientSecret: true,
  oauthTokenAuthMethod: true,
  oauthScopes: true,
  oauthShared: true,
  oauthExceptions: true,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
  // Names only: values are write-only and never leave this module in clear.
  headers: { select: { id: true, name: true, updatedAt: true }, orderBy: { name: 'asc' } },
} as const

type ServerRow = NonNullable<Awaited<ReturnType<typeof findServerRow>>>

function findServerRow(workspaceId: string, serverId: string) {
  return getDb().mcpServer.findFirst({ where: { id: serverId, workspaceId }, select: serverSelect })
}

function present(row: ServerRow) {
  const { oauthClientSecret, ...rest } = row
  return {
    ...rest,
    transport: fromDbTransport(row.transport),
    createdByName: row.createdBy?.name ?? null,
    hasOAuthClientSecret: oauthClientSecret !== null,
  }
}

/** A server as the UI shows it: no secret values, header names only. */
export type ServerSummary = ReturnType<typeof present>

export function listServers(workspaceId: string) {
  return getDb()
    .mcpServer.findMany({ where: { workspaceId }, select: serverSelect, orderBy: { name: 'asc' } })
    .then((rows) => rows.map(present))
}

/** The server of this workspace, or a 404 (a server of another workspace is "not found" too). */
export async function requireServer(workspaceId: string, serverId: string): Promise<ServerSummary> {
  const row = await findServerRow(workspaceId, serverId)
  if (!row) throw new Response('Server not found', { status: 404 })
  return present(row)
}

/** A server by id with the user's role in its workspace; null when the user is not a member. */
export async function findServerForMember(serverId: string, userId: string) {
  const row = await getDb().mcpServer.findFirst({
    where: { id: serverId, workspace: { memberships: { some: { userId } } } },
    select: { ...serverSelect, workspace: { select: { memberships: { where: { userId }, select: { role: true } } } } },
  })
  if (!row) return null
  const { workspace, ...server } = row
  const role = workspace.memberships[0]?.role
  return role ? { server: present(server), role } : null
}

/** The workspace's servers as the list page shows them: one query, no relations. */
export function listServerRows(workspaceId: string) {
  return getDb()
    .mcpServer.findMany({
      where: { workspaceId },
      select: {
        id: true,
        name: true,
        url: true,
        authType: true,
        enabled: true,
        probeOutcome: true,
        probedAt: true,
        oauthShared: true,
        configVersion: true,
      },
      orderBy: { name: 'asc' },
    })
}
