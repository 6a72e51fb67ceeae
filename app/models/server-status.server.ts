// The workspace's servers with each one's status for one person (app/models/server-status.ts), in
// ONE statement: the server list (the workspace's most visited page), the Tools page and the
// Overview read it. Each Prisma call costs a query plan and a statement per relation, which made
// the list a third as fast as /login (bench/RESULTS.md, 2026-12-05). Plain SQL that both databases
// read the same way: quoted identifiers, LEFT JOINs, bound parameters; booleans and counts are
// normalized below (SQLite answers 0/1). It also carries each server's tool prefix at the workspace's MCP endpoint.
import { z } from 'zod'
import { ServerAuthType, ProbeOutcome } from '#app/generated/prisma-sqlite/enums.ts'
import { agentPrefixes } from '#app/models/agent-prefix.ts'
import { SHARED_OWNER } from '#app/models/connection-owner.ts'
import { type ServerStatus, deriveServerStatus } from '#app/models/server-status.ts'
import { SqlBoolean, SqlInteger, getDb } from '#app/utils/db.server.ts'

const RowSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  authType: z.enum(ServerAuthType),
  enabled: SqlBoolean,
  configVersion: SqlInteger,
  headerCount: SqlInteger,
  probeOutcome: z.enum(ProbeOutcome).nullable(),
  // SQLite answers a number (ms) or a string, PostgreSQL a Date.
  probedAt: z.coerce.date().nullable(),
  probeToolCount: SqlInteger.nullable(),
  shared: SqlBoolean.nullable(),
  ownStatus: z.string().nullable(),
  ownVersion: SqlInteger.nullable(),
  sharedStatus: z.string().nullable(),
  sharedVersion: SqlInteger.nullable(),
  sharedByName: z.string().nullable(),
  availableToAgents: SqlBoolean,
  agentPrefix: z.string().nullable(),
  createdAt: z.coerce.date(),
})

export type ServerWithStatus = {
  id: string
  name: string
  url: string
  authType: z.infer<typeof RowSchema>['authType']
  enabled: boolean
  shared: boolean
  /** Tools the last successful test listed (null: never listed). */
  probeToolCount: number | null
  status: ServerStatus
  /** The prefix of its tools at the workspace's MCP endpoint (app/models/agent-prefix.ts); null when not offered to agents. */
  agentPrefix: string | null
}

/**
 * The servers of `workspaceId` (whose membership the caller has checked), by name, each with its
 * status for `userId`: their own OAuth connection or the shared one, never anyone else's; no token columns.
 */
export async function listServersWithStatus(workspaceId: string, userId: string, now: Date = new Date()): Promise<ServerWithStatus[]> {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT s."id", s."name", s."url", s."authType", s."enabled", s."configVersion",
           s."availableToAgents", s."agentPrefix", s."createdAt",
           (SELECT COUNT(*) FROM "ServerHeader" h WHERE h."serverId" = s."id") AS "headerCount",
           p."outcome" AS "probeOutcome", p."probedAt" AS "probedAt", p."toolCount" AS "probeToolCount",
           c."shared" AS "shared",
           own."status" AS "ownStatus", own."configVersion" AS "ownVersion",
           sh."status" AS "sharedStatus", sh."configVersion" AS "sharedVersion", shu."name" AS "sharedByName"
    FROM "McpServer" s
    LEFT JOIN "ServerProbe" p ON p."serverId" = s."id"
    LEFT JOIN "ServerOAuthClient" c ON c."serverId" = s."id"
    LEFT JOIN "OAuthConnection" own ON own."serverId" = s."id" AND own."ownerKey" = ${userId}
    LEFT JOIN "OAuthConnection" sh ON sh."serverId" = s."id" AND sh."ownerKey" = ${SHARED_OWNER}
    LEFT JOIN "User" shu ON shu."id" = sh."connectedById"
    WHERE s."workspaceId" = ${workspaceId}
    ORDER BY s."name" ASC`
  const parsed = rows.map((raw) => RowSchema.parse(raw))
  // Every server of the workspace is here, so the effective prefixes are the endpoint's own.
  const prefixes = agentPrefixes(parsed)
  return parsed.map((row) => {
    const shared = row.shared ?? false
    const stored = shared
      ? row.sharedStatus === null ? null : { status: row.sharedStatus, version: row.sharedVersion ?? 0, by: row.sharedByName }
      : row.ownStatus === null ? null : { status: row.ownStatus, version: row.ownVersion ?? 0, by: null }
    const status = deriveServerStatus(
      {
        enabled: row.enabled,
        authType: row.authType,
        headerCount: row.headerCount,
        probeOutcome: row.probeOutcome,
        probedAt: row.probedAt,
        shared,
        // A connection made for an older configuration (URL, auth settings) no longer serves: Reconnect.
        connection: stored ? { status: stored.status, stale: stored.version !== row.configVersion, connectedByName: stored.by } : null,
      },
      now,
    )
    return {
      id: row.id,
      name: row.name,
      url: row.url,
      authType: row.authType,
      enabled: row.enabled,
      shared,
      probeToolCount: row.probeToolCount,
      status,
      agentPrefix: row.availableToAgents ? (prefixes.get(row.id) ?? null) : null,
    }
  })
}
