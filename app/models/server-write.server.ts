// Writes of a server's row: create, update, enable, delete. Queries only: the consequences of a
// change (OAuth invalidation, pooled sessions, audit) belong to its use case in app/servers/.
import { getDb, isUniqueViolation } from '#app/utils/db.server.ts'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import { authTypeFromProbe, challengeColumns, probeChallengeColumns, probeRow } from '#app/models/server-probe.server.ts'
import { type ServerSummary, toDbTransport, upsertPart } from '#app/models/server.server.ts'
import type { TokenAuthMethod } from '#app/oauth/rules.ts'
import type { AuthType, Transport } from '#app/models/server-fields.ts'

export class DuplicateServerNameError extends Error {
  override name = 'DuplicateServerNameError'
}

const duplicateName = () => new DuplicateServerNameError('A server with this name already exists in this workspace.')

export type ServerInput = {
  name: string
  url: string
  transport: Transport
  authType: AuthType | 'detect'
  timeoutMs: number
  enabled: boolean
}

/**
 * The OAuth columns of a new server, ready to store: the client secret already encrypted by the
 * OAuth store (bound to the row id) and the rule exceptions serialized.
 */
export type NewServerOAuthColumns = {
  clientId: string | null
  authMethod: TokenAuthMethod | null
  encryptedClientSecret: string | null
  scopes: string | null
  exceptions: string
}

/**
 * Creates a server with its probe result. `authType: 'detect'` takes the probe's verdict
 * (none when it could not tell); an explicit choice is kept and locked. `id` is chosen by the
 * caller because the client secret's ciphertext is bound to it. Throws DuplicateServerNameError.
 */
export async function createServer(input: {
  id: string
  workspaceId: string
  createdById: string
  settings: ServerInput
  probe: ProbeResult
  oauth: NewServerOAuthColumns
  /** Static headers stored with the server in one write (import); values already encrypted for their row ids. */
  headers?: Array<{ id: string; name: string; encryptedValue: string }>
}) {
  const { settings, oauth } = input
  const detected = settings.authType === 'detect'
  const authType: AuthType = settings.authType === 'detect' ? (authTypeFromProbe(input.probe) ?? 'none') : settings.authType
  const challenge = probeChallengeColumns(input.probe)
  const oauthClient = {
    clientId: oauth.clientId,
    tokenAuthMethod: oauth.authMethod,
    clientSecret: oauth.encryptedClientSecret,
    scopes: oauth.scopes || null,
    exceptions: oauth.exceptions,
  }
  // The parts tables hold a row only once there is something to keep (ADR 019).
  const hasOAuthClient = oauthClient.clientId !== null || oauthClient.scopes !== null || oauthClient.exceptions !== ''
  try {
    return await getDb().mcpServer.create({
      data: {
        id: input.id,
        workspaceId: input.workspaceId,
        createdById: input.createdById,
        name: settings.name,
        url: settings.url,
        transport: toDbTransport(settings.transport),
        authType,
        authTypeLocked: !detected,
        timeoutMs: settings.timeoutMs,
        enabled: settings.enabled,
        probe: { create: probeRow(input.probe) },
        ...(hasOAuthClient ? { oauthClient: { create: oauthClient } } : {}),
        ...(challenge ? { discovery: { create: challenge } } : {}),
        ...(input.headers?.length
          ? { headers: { create: input.headers.map((header) => ({ id: header.id, name: header.name, value: header.encryptedValue })) } }
          : {}),
      },
      select: { id: true, authType: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName()
    throw error
  }
}

/**
 * What an update changes: the auth type it ends with and whether the configuration changed (a
 * new URL, transport or auth type: sessions and tokens of the old configuration must go).
 */
export function serverUpdatePlan(server: ServerSummary, input: ServerInput, probe: ProbeResult | null): { authType: AuthType; configChanged: boolean } {
  // The edit's probe carries the stored headers (servers/update-server.server.ts).
  const authType = input.authType === 'detect' ? ((probe ? authTypeFromProbe(probe, server.headers.length > 0) : null) ?? server.authType) : input.authType
  const configChanged = input.url !== server.url || input.transport !== server.transport || authType !== server.authType
  return { authType, configChanged }
}

/** Writes an update (see serverUpdatePlan); a changed configuration bumps `configVersion`. Throws DuplicateServerNameError. */
export async function updateServerRow(server: ServerSummary, input: ServerInput, probe: ProbeResult | null): Promise<void> {
  const { authType, configChanged } = serverUpdatePlan(server, input, probe)
  // Another URL's challenge would send discovery to the old server's metadata, and another
  // URL's authorization server is not a move of this one's (oauth/issuer.server.ts).
  const discovery = {
    ...(input.url !== server.url ? { ...challengeColumns(null), issuer: null } : {}),
    ...(probe ? probeChallengeColumns(probe) : {}),
  }
  try {
    await getDb().mcpServer.update({
      where: { id: server.id, workspaceId: server.workspaceId },
      data: {
        name: input.name,
        url: input.url,
        transport: toDbTransport(input.transport),
        authType,
        authTypeLocked: input.authType !== 'detect',
        timeoutMs: input.timeoutMs,
        enabled: input.enabled,
        ...(configChanged ? { configVersion: { increment: 1 } } : {}),
        ...(probe ? { probe: upsertPart(probeRow(probe)) } : {}),
        ...(Object.keys(discovery).length > 0 ? { discovery: upsertPart(discovery) } : {}),
      },
      select: { id: true },
    })
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName()
    throw error
  }
}

export async function setServerEnabled(server: ServerSummary, enabled: boolean): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { enabled },
    select: { id: true },
  })
}

/** Deletes a server's row (its headers, connections and registrations go with it). */
export async function deleteServerRow(server: ServerSummary): Promise<void> {
  await getDb().mcpServer.deleteMany({ where: { id: server.id, workspaceId: server.workspaceId } })
}

/** Whether another server of the workspace already has this name (`exceptServerId`: the one being edited). */
export async function isServerNameTaken(workspaceId: string, name: string, exceptServerId?: string): Promise<boolean> {
  const clash = await getDb().mcpServer.findFirst({
    where: { workspaceId, name, ...(exceptServerId ? { NOT: { id: exceptServerId } } : {}) },
    select: { id: true },
  })
  return clash !== null
}
