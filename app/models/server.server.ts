// Server queries with the owner check: the summary the UI sees (no secret values) and the list pages.
import type { ProbeOutcome as DbProbeOutcome, ProbeTransport as DbProbeTransport, TokenAuthMethod } from '#app/generated/prisma-sqlite/enums.ts'
import type { McpTransportKind } from '#app/mcp/transport/client.server.ts'
import type { Prisma } from '#app/generated/prisma-sqlite/client.ts'
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { Transport } from '#app/models/server-fields.ts'

// The database spells `streamable-http` as `streamable_http` (enum identifiers).
type DbTransport = 'auto' | 'streamable_http' | 'sse'
export const toDbTransport = (transport: Transport): DbTransport => (transport === 'streamable-http' ? 'streamable_http' : transport)
const fromDbTransport = (transport: DbTransport): Transport => (transport === 'streamable_http' ? 'streamable-http' : transport)
// The probe's transport is stored as spelled ("streamable-http", @map); the client names it streamable_http.
export const toDbProbeTransport = (transport: McpTransportKind): DbProbeTransport => (transport === 'streamable-http' ? 'streamable_http' : transport)
const fromDbProbeTransport = (transport: DbProbeTransport): McpTransportKind => (transport === 'streamable_http' ? 'streamable-http' : transport)

// The last probe, the OAuth client settings and the discovery cache live in their own 1:1 tables
// (docs/decisions/019-server-split-and-enums.md); callers see them flattened as before.
const probeSelect = {
  select: { probedAt: true, outcome: true, message: true, transport: true, toolCount: true, serverName: true, protocolVersion: true },
} as const
const oauthClientSelect = {
  select: {
    clientId: true,
    // Selected only to tell whether one is set: present() drops the value.
    clientSecret: true,
    tokenAuthMethod: true,
    scopes: true,
    shared: true,
    exceptions: true,
  },
} as const

type ProbePart = {
  probedAt: Date
  outcome: DbProbeOutcome
  message: string
  transport: DbProbeTransport | null
  toolCount: number | null
  serverName: string | null
  protocolVersion: string | null
}
type OAuthClientPart = {
  clientId: string | null
  tokenAuthMethod: TokenAuthMethod | null
  scopes: string | null
  shared: boolean
  exceptions: string
}

/** The last probe as the server's flat fields (all null before the first probe). */
function probeFields(probe: ProbePart | null) {
  return {
    probedAt: probe?.probedAt ?? null,
    probeOutcome: probe?.outcome ?? null,
    probeMessage: probe?.message ?? null,
    probeTransport: probe?.transport ? fromDbProbeTransport(probe.transport) : null,
    probeToolCount: probe?.toolCount ?? null,
    probeServerName: probe?.serverName ?? null,
    /** The MCP revision agreed at the last probe (e.g. 2026-07-28): the next session starts from it. */
    probeProtocolVersion: probe?.protocolVersion ?? null,
  }
}

/** The OAuth client settings as the server's flat fields (the defaults when none were stored). */
export function oauthClientFields(client: OAuthClientPart | null) {
  return {
    oauthClientId: client?.clientId ?? null,
    oauthTokenAuthMethod: client?.tokenAuthMethod ?? null,
    oauthScopes: client?.scopes ?? null,
    oauthShared: client?.shared ?? false,
    oauthExceptions: client?.exceptions ?? '',
  }
}

/** Selects what oauthClientFields needs. */
export const oauthClientFieldsSelect = {
  select: { clientId: true, tokenAuthMethod: true, scopes: true, shared: true, exceptions: true },
} as const

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
  toolPolicyVersion: true,
  probe: probeSelect,
  oauthClient: oauthClientSelect,
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
  const { probe, oauthClient, ...rest } = row
  return {
    ...rest,
    ...probeFields(probe),
    ...oauthClientFields(oauthClient),
    transport: fromDbTransport(row.transport),
    createdByName: row.createdBy?.name ?? null,
    hasOAuthClientSecret: (oauthClient?.clientSecret ?? null) !== null,
  }
}

/** A server as the UI shows it: no secret values, header names only. */
export type ServerSummary = ReturnType<typeof present>

export function listServers(workspaceId: string) {
  return getDb()
    .mcpServer.findMany({ where: { workspaceId }, select: serverSelect, orderBy: { name: 'asc' } })
    .then((rows) => rows.map(present))
}

/** Each server's name, URL, transport and header names (no values), by name: what a client configuration file holds. */
export async function listServerAddresses(workspaceId: string): Promise<Array<{ name: string; url: string; transport: Transport; headerNames: string[] }>> {
  const rows = await getDb().mcpServer.findMany({
    where: { workspaceId },
    select: { name: true, url: true, transport: true, headers: { select: { name: true }, orderBy: { name: 'asc' } } },
    orderBy: { name: 'asc' },
  })
  return rows.map((row) => ({ name: row.name, url: row.url, transport: fromDbTransport(row.transport), headerNames: row.headers.map((header) => header.name) }))
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

/** A nested write that creates a server's 1:1 part (probe, OAuth client, discovery) or updates it. */
export function upsertPart<T extends object>(data: T) {
  return { upsert: { create: data, update: data } }
}

/**
 * Writes to a server (and its parts, through nested writes) if it still matches `where`;
 * returns false when it does not (deleted, or its URL changed), as updateMany did when the parts
 * were columns. Two requests creating the same part at once: the loser retries as an update.
 */
export async function updateServerIfPresent(where: Prisma.McpServerWhereUniqueInput, data: Prisma.McpServerUpdateInput): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await getDb().mcpServer.update({ where, data, select: { id: true } })
      return true
    } catch (error) {
      if (isRecordNotFound(error)) return false
      if (!isUniqueViolation(error) || attempt > 0) throw error
    }
  }
}

function isRecordNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2025'
}
