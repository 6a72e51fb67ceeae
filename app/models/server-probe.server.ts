// Probe results (ServerProbe) and Bearer challenges (ServerOAuthDiscovery) of a server, and the
// auth type they suggest. Writes only: app/servers/reprobe.server.ts invalidates the connections
// of an auth type left behind.
import { getDb } from '#app/utils/db.server.ts'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import type { AuthType } from '#app/models/server-fields.ts'
import { type ServerSummary, toDbProbeTransport, updateServerIfPresent, upsertPart } from '#app/models/server.server.ts'

/** The probe's row (ServerProbe, without its serverId). */
export function probeRow(probe: ProbeResult) {
  return {
    probedAt: new Date(),
    outcome: probe.outcome,
    message: probe.message,
    transport: probe.transport ? toDbProbeTransport(probe.transport) : null,
    toolCount: probe.toolCount,
    serverName: probe.serverName,
    protocolVersion: probe.protocolVersion,
  }
}

/** The nested writes (for mcpServer.update) that store a probe result and the challenge it saw. */
export function probeColumns(probe: ProbeResult) {
  const challenge = probeChallengeColumns(probe)
  return { probe: upsertPart(probeRow(probe)), ...(challenge ? { discovery: upsertPart(challenge) } : {}) }
}

/**
 * The probe's Bearer challenge becomes the server's latest (MCP 2025-11-25: its
 * `resource_metadata` is fetched first and its `scope` asked for at Connect). A server that
 * answered without one forgets it; a probe that failed says nothing, so the stored one stays.
 */
export function probeChallengeColumns(probe: ProbeResult) {
  if (probe.outcome === 'oauth') return challengeColumns({ resourceMetadataUrl: probe.resourceMetadataUrl, scope: probe.scope })
  if (probe.outcome === 'open' || probe.outcome === 'headers_required') return challengeColumns(null)
  return null
}

/** The challenge's columns of ServerOAuthDiscovery (all null: the server sent none). */
export function challengeColumns(challenge: { resourceMetadataUrl: string | null; scope: string | null } | null) {
  return {
    challengeMetadataUrl: challenge?.resourceMetadataUrl ?? null,
    challengeScope: challenge?.scope?.trim() || null,
    challengeAt: challenge ? new Date() : null,
  }
}

/** Stores a Bearer challenge seen on a later request (a 401 while in use) as the server's latest. */
export async function recordChallenge(serverId: string, challenge: { resourceMetadataUrl: string | null; scope: string | null }): Promise<void> {
  await updateServerIfPresent({ id: serverId }, { discovery: upsertPart(challengeColumns(challenge)) })
}

/**
 * The auth type a probe suggests, when it tells. `sentHeaders`: the probe carried the server's
 * static headers, so an open answer may be thanks to them and says nothing about the auth type
 * (saving the API key of a "Static headers" server must not turn it into "No authentication").
 */
export function authTypeFromProbe(probe: ProbeResult, sentHeaders = false): AuthType | null {
  if (probe.outcome === 'oauth') return 'oauth'
  // "Needs credentials" of an unknown kind: headers unless an admin chose OAuth (which locks the type).
  if (probe.outcome === 'headers_required' || probe.outcome === 'credentials_required') return 'headers'
  if (probe.outcome === 'open') return sentHeaders ? null : 'none'
  return null
}

/** The auth type a probe makes the server adopt: null unless it tells another one and an admin did not lock it. */
export function probeAdoption(server: ServerSummary, probe: ProbeResult, sentHeaders = false): AuthType | null {
  const suggested = authTypeFromProbe(probe, sentHeaders)
  return !server.authTypeLocked && suggested !== null && suggested !== server.authType ? suggested : null
}

/** Stores a probe result, with the auth type it adopts (probeAdoption; bumps configVersion). */
export async function writeProbe(server: ServerSummary, probe: ProbeResult, adopted: AuthType | null): Promise<void> {
  await getDb().mcpServer.update({
    where: { id: server.id, workspaceId: server.workspaceId },
    data: { ...probeColumns(probe), ...(adopted ? { authType: adopted, configVersion: { increment: 1 } } : {}) },
    select: { id: true },
  })
}

/**
 * A 401 with a Bearer challenge on a later request: the server uses OAuth (unless an
 * admin locked the auth type). Returns whether anything changed.
 */
export async function markServerAsOAuth(server: ServerSummary): Promise<boolean> {
  if (server.authTypeLocked || server.authType === 'oauth') return false
  const updated = await getDb().mcpServer.updateMany({
    where: { id: server.id, workspaceId: server.workspaceId, authTypeLocked: false },
    data: { authType: 'oauth', configVersion: { increment: 1 } },
  })
  return updated.count > 0
}

/**
 * Remembers the MCP revision a session of this server agreed (ServerProbe.protocolVersion), when it
 * differs from the one stored: an OAuth server tells it only once connected, and a server may move
 * to a newer revision. A server never probed has no row to hold it and is left alone.
 */
export async function recordProtocolVersion(serverId: string, protocolVersion: string): Promise<void> {
  await getDb().serverProbe.updateMany({
    where: { serverId, OR: [{ protocolVersion: null }, { protocolVersion: { not: protocolVersion } }] },
    data: { protocolVersion },
  })
}
