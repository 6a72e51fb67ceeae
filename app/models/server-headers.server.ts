// Static headers of a server (values encrypted, write-only) and the endpoint that sends them.
import { randomUUID } from 'node:crypto'
import { decryptSecret, encryptSecret, type SecretContext } from '#app/utils/crypto.server.ts'
import { getDb } from '#app/utils/db.server.ts'
import type { McpEndpoint } from '#app/mcp/transport/client.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { MAX_HEADERS_PER_SERVER } from '#app/models/server-fields.ts'

/** Associated data of a header value: bound to its row, so a copied ciphertext does not decrypt. */
function headerContext(headerId: string): SecretContext {
  return { table: 'ServerHeader', column: 'value', rowId: headerId }
}

/** A header value encrypted for the row `headerId` (a new server's headers are written with it). */
export function encryptHeaderValue(headerId: string, value: string): string {
  return encryptSecret(value, headerContext(headerId))
}

export class HeaderLimitError extends Error {
  override name = 'HeaderLimitError'
}

/** Adds or replaces a header's value (encrypted). Bumps the server's configVersion. */
export async function setServerHeader(server: ServerSummary, name: string, value: string): Promise<void> {
  const db = getDb()
  await db.$transaction(async (tx) => {
    // Write first: on SQLite a transaction that reads and then writes cannot wait for a busy
    // writer (its read snapshot would be stale) and fails at once with SQLITE_BUSY.
    await tx.mcpServer.update({ where: { id: server.id }, data: { configVersion: { increment: 1 } }, select: { id: true } })
    const headers = await tx.serverHeader.findMany({ where: { serverId: server.id }, select: { id: true, name: true } })
    // HTTP header names are case-insensitive: "x-api-key" replaces "X-Api-Key".
    const sameName = headers.find((header) => header.name.toLowerCase() === name.toLowerCase())
    if (sameName) {
      await tx.serverHeader.update({
        where: { id: sameName.id },
        data: { name, value: encryptSecret(value, headerContext(sameName.id)) },
        select: { id: true },
      })
    } else {
      if (headers.length >= MAX_HEADERS_PER_SERVER) {
        throw new HeaderLimitError(`A server can have at most ${MAX_HEADERS_PER_SERVER} headers.`)
      }
      const id = randomUUID()
      await tx.serverHeader.create({
        data: { id, serverId: server.id, name, value: encryptSecret(value, headerContext(id)) },
        select: { id: true },
      })
    }
  })
}

/** Removes a header of this server and returns its name; null when this server has no such header. */
export async function removeServerHeader(server: ServerSummary, headerId: string): Promise<string | null> {
  const header = server.headers.find((h) => h.id === headerId)
  if (!header) return null
  return getDb().$transaction(async (tx) => {
    const removed = await tx.serverHeader.deleteMany({ where: { id: headerId, serverId: server.id } })
    if (removed.count === 0) return null
    await tx.mcpServer.update({ where: { id: server.id }, data: { configVersion: { increment: 1 } }, select: { id: true } })
    return header.name
  })
}

export type EndpointResult = { ok: true; endpoint: McpEndpoint } | { ok: false; unreadableHeaders: string[] }

/**
 * How to reach the server, with its header values decrypted at the point of use. A value
 * that no longer decrypts (key removed, row tampered) is reported by name, never thrown.
 */
export async function loadEndpoint(server: ServerSummary): Promise<EndpointResult> {
  const rows = await getDb().serverHeader.findMany({
    where: { serverId: server.id, server: { workspaceId: server.workspaceId } },
    select: { id: true, name: true, value: true },
  })
  const headers: Record<string, string> = {}
  const unreadable: string[] = []
  for (const row of rows) {
    const decrypted = decryptSecret(row.value, headerContext(row.id))
    if (decrypted.ok) headers[row.name] = decrypted.value
    else unreadable.push(row.name)
  }
  if (unreadable.length > 0) return { ok: false, unreadableHeaders: unreadable }
  return {
    ok: true,
    endpoint: { url: server.url, transport: server.transport, headers, timeoutMs: server.timeoutMs, protocolVersion: server.probeProtocolVersion },
  }
}
