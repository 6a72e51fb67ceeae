// Server queries with the owner check: the summary the UI sees (no secret values) and the list pages.
import { z } from 'zod'
import {
  type ProbeOutcome as DbProbeOutcome,
  type ProbeTransport as DbProbeTransport,
  ProbeOutcome,
  ServerAuthType,
  ServerTransport,
  TokenAuthMethod,
} from '#app/generated/prisma-sqlite/enums.ts'
import type { McpTransportKind } from '#app/mcp/transport/client.server.ts'
import type { Prisma } from '#app/generated/prisma-sqlite/client.ts'
import { SqlBoolean, SqlInteger, getDb, isUniqueViolation } from '#app/utils/db.server.ts'
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
  availableToAgents: true,
  probe: probeSelect,
  oauthClient: oauthClientSelect,
  createdAt: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
  // Names only: values are write-only and never leave this module in clear.
  headers: { select: { id: true, name: true, updatedAt: true }, orderBy: { name: 'asc' } },
} as const

type ServerRow = Prisma.McpServerGetPayload<{ select: typeof serverSelect }>

// One server as plain SQL (ADR 022's rule: plain SQL where a path is hot and the shape simple). Every agent tool call
// reads its server (app/gateway/catalog.server.ts); Prisma spends a statement per relation (five here), this one: the
// row with its 1:1 parts, once per header (a LEFT JOIN of its header names, in name order; one row when it has none).
// Quoted identifiers, LEFT JOINs and bound parameters read the same on SQLite and PostgreSQL; the answer is parsed
// (SQLite gives booleans as 0/1, dates as numbers or strings).
// ServerProbe.transport is stored as spelled ("streamable-http", @map): parsed back to the enum identifier.
const ServerRowSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  url: z.string(),
  transport: z.enum(ServerTransport),
  authType: z.enum(ServerAuthType),
  authTypeLocked: SqlBoolean,
  timeoutMs: SqlInteger,
  enabled: SqlBoolean,
  configVersion: SqlInteger,
  toolPolicyVersion: SqlInteger,
  availableToAgents: SqlBoolean,
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  createdByName: z.string().nullable(),
  probedAt: z.coerce.date().nullable(),
  probeOutcome: z.enum(ProbeOutcome).nullable(),
  probeMessage: z.string().nullable(),
  probeTransport: z.enum(['streamable-http', 'sse']).transform((value) => (value === 'sse' ? 'sse' : 'streamable_http') satisfies DbProbeTransport).nullable(),
  probeToolCount: SqlInteger.nullable(),
  probeServerName: z.string().nullable(),
  probeProtocolVersion: z.string().nullable(),
  hasOAuthClient: SqlBoolean,
  oauthClientId: z.string().nullable(),
  oauthClientSecret: z.string().nullable(),
  oauthTokenAuthMethod: z.enum(TokenAuthMethod).nullable(),
  oauthScopes: z.string().nullable(),
  oauthShared: SqlBoolean.nullable(),
  oauthExceptions: z.string().nullable(),
  headerId: z.string().nullable(),
  headerName: z.string().nullable(),
  headerUpdatedAt: z.coerce.date().nullable(),
})

async function findServerRow(workspaceId: string, serverId: string): Promise<ServerRow | null> {
  const db = getDb()
  const rows = await db.$queryRaw<unknown[]>`
    SELECT s."id", s."workspaceId", s."name", s."url", s."transport", s."authType", s."authTypeLocked", s."timeoutMs",
           s."enabled", s."configVersion", s."toolPolicyVersion", s."availableToAgents", s."createdAt", s."updatedAt",
           u."name" AS "createdByName",
           p."probedAt", p."outcome" AS "probeOutcome", p."message" AS "probeMessage", p."transport" AS "probeTransport",
           p."toolCount" AS "probeToolCount", p."serverName" AS "probeServerName", p."protocolVersion" AS "probeProtocolVersion",
           (c."serverId" IS NOT NULL) AS "hasOAuthClient", c."clientId" AS "oauthClientId", c."clientSecret" AS "oauthClientSecret",
           c."tokenAuthMethod" AS "oauthTokenAuthMethod", c."scopes" AS "oauthScopes", c."shared" AS "oauthShared",
           c."exceptions" AS "oauthExceptions",
           h."id" AS "headerId", h."name" AS "headerName", h."updatedAt" AS "headerUpdatedAt"
    FROM "McpServer" s
    LEFT JOIN "User" u ON u."id" = s."createdById"
    LEFT JOIN "ServerProbe" p ON p."serverId" = s."id"
    LEFT JOIN "ServerOAuthClient" c ON c."serverId" = s."id"
    LEFT JOIN "ServerHeader" h ON h."serverId" = s."id"
    WHERE s."id" = ${serverId} AND s."workspaceId" = ${workspaceId}
    ORDER BY h."name"`
  if (rows.length === 0) return null
  const parsed = rows.map((raw) => ServerRowSchema.parse(raw))
  const row = parsed[0] as (typeof parsed)[number]
  const headers = parsed.flatMap(({ headerId, headerName, headerUpdatedAt }) =>
    headerId === null || headerName === null || headerUpdatedAt === null ? [] : [{ id: headerId, name: headerName, updatedAt: headerUpdatedAt }],
  )
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    name: row.name,
    url: row.url,
    transport: row.transport,
    authType: row.authType,
    authTypeLocked: row.authTypeLocked,
    timeoutMs: row.timeoutMs,
    enabled: row.enabled,
    configVersion: row.configVersion,
    toolPolicyVersion: row.toolPolicyVersion,
    availableToAgents: row.availableToAgents,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    createdBy: row.createdByName === null ? null : { name: row.createdByName },
    probe:
      row.probedAt === null || row.probeOutcome === null || row.probeMessage === null
        ? null
        : {
            probedAt: row.probedAt,
            outcome: row.probeOutcome,
            message: row.probeMessage,
            transport: row.probeTransport,
            toolCount: row.probeToolCount,
            serverName: row.probeServerName,
            protocolVersion: row.probeProtocolVersion,
          },
    oauthClient: row.hasOAuthClient
      ? {
          clientId: row.oauthClientId,
          clientSecret: row.oauthClientSecret,
          tokenAuthMethod: row.oauthTokenAuthMethod,
          scopes: row.oauthScopes,
          shared: row.oauthShared ?? false,
          exceptions: row.oauthExceptions ?? '',
        }
      : null,
    headers,
  }
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
