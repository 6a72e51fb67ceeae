// Which servers a workspace offers at its MCP endpoint, and under which tool prefix (McpServer.availableToAgents,
// McpServer.agentPrefix). Queries only: the change's consequences (audit) belong to app/servers/agent-access.server.ts.
import { agentPrefixes } from '#app/models/agent-prefix.ts'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { z } from 'zod'
import { SqlBoolean, getDb, isUniqueViolation } from '#app/utils/db.server.ts'

/** A server's agent settings as stored. */
export type AgentServerSettings = { id: string; name: string; createdAt: Date; availableToAgents: boolean; agentPrefix: string | null }

const SettingsRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.coerce.date(),
  availableToAgents: SqlBoolean,
  agentPrefix: z.string().nullable(),
})

/**
 * Every server of the workspace with its agent settings (the prefix list needs them all, even those not offered), by
 * name. Plain SQL (ADR 037): every agent tool call reads it to find the server its prefix names.
 */
export async function listAgentServerSettings(workspaceId: string): Promise<AgentServerSettings[]> {
  const rows = await getDb().$queryRaw<unknown[]>`
    SELECT "id", "name", "createdAt", "availableToAgents", "agentPrefix" FROM "McpServer"
    WHERE "workspaceId" = ${workspaceId}
    ORDER BY "name" ASC`
  return rows.map((row) => SettingsRowSchema.parse(row))
}

/** The server `serverId` of `workspaceId` with its agent availability (the per-server endpoint); null when there is none. */
export async function findServerForAgents(workspaceId: string, serverId: string): Promise<{ server: ServerSummary; availableToAgents: boolean } | null> {
  try {
    const server = await requireServer(workspaceId, serverId)
    return { server, availableToAgents: server.availableToAgents }
  } catch (error) {
    if (error instanceof Response && error.status === 404) return null
    throw error
  }
}

/** A server's agent settings: whether it is offered, the prefix an admin set (null: derived) and the one in use. */
export type ServerAgentAccess = { id: string; name: string; available: boolean; prefix: string | null; effectivePrefix: string }

/** Every server of the workspace with its agent settings; effective prefixes are unique within it. */
export async function listAgentAccess(workspaceId: string): Promise<ServerAgentAccess[]> {
  const servers = await listAgentServerSettings(workspaceId)
  const effective = agentPrefixes(servers)
  return servers.map((server) => ({
    id: server.id,
    name: server.name,
    available: server.availableToAgents,
    prefix: server.agentPrefix,
    effectivePrefix: effective.get(server.id) ?? server.agentPrefix ?? '',
  }))
}

/** Another server of the workspace already has this prefix (set by an admin). */
export class DuplicateAgentPrefixError extends Error {
  override name = 'DuplicateAgentPrefixError'
}

/** Writes a server's agent settings. Throws DuplicateAgentPrefixError when another server set the same prefix meanwhile. */
export async function setServerAgentAccess(server: { id: string; workspaceId: string }, input: { available: boolean; prefix: string | null }): Promise<void> {
  try {
    await getDb().mcpServer.update({
      where: { id: server.id, workspaceId: server.workspaceId },
      data: { availableToAgents: input.available, agentPrefix: input.prefix },
      select: { id: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateAgentPrefixError('Another server of this workspace already uses this prefix.')
    throw error
  }
}

/** One server's agent settings, with the prefix its name gives when none is set (the form's hint). Null: no such server. */
export async function readServerAgentAccess(workspaceId: string, serverId: string): Promise<(ServerAgentAccess & { derivedPrefix: string }) | null> {
  const servers = await listAgentServerSettings(workspaceId)
  const server = servers.find((s) => s.id === serverId)
  if (!server) return null
  const effective = agentPrefixes(servers).get(server.id) ?? ''
  // What it would be without its own prefix: derived, and made unique against the others'.
  const derived = agentPrefixes(servers.map((s) => (s.id === serverId ? { ...s, agentPrefix: null } : s))).get(server.id) ?? ''
  return { id: server.id, name: server.name, available: server.availableToAgents, prefix: server.agentPrefix, effectivePrefix: effective, derivedPrefix: derived }
}
