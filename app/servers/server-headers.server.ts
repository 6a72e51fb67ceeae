// Adding, replacing and removing a server's static headers.
import type { ServerSummary } from '#app/models/server.server.ts'
import { HeaderLimitError, removeServerHeader, setServerHeader } from '#app/models/server-headers.server.ts'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'
import { probeStoredServer, recordProbe } from '#app/servers/reprobe.server.ts'

export type SaveHeaderOutcome = { ok: true; probe: ProbeResult | null } | { ok: false; message: string }

/**
 * Adds or replaces a header (the value is never audited), ends the sessions opened without it,
 * then tests the server with it so the page can say whether it works (`probe`: null when a
 * stored value no longer decrypts).
 */
export async function saveServerHeader(server: ServerSummary, header: { name: string; value: string }, actorId: string): Promise<SaveHeaderOutcome> {
  try {
    await commitServerChange(server, actorId, {
      endsSessions: true,
      write: () => setServerHeader(server, header.name, header.value),
      audit: () => [{ event: 'server.header_set', detail: `Header ${header.name} (value not recorded)` }],
    })
  } catch (error) {
    if (!(error instanceof HeaderLimitError)) throw error
    return { ok: false, message: error.message }
  }
  // The row read before the write still describes how to reach the server: headers are read afresh.
  const probed = await probeStoredServer(server)
  if (!probed.ok) return { ok: true, probe: null }
  await recordProbe(server, probed.probe, probed.sentHeaders)
  return { ok: true, probe: probed.probe }
}

/** Removes a header of this server; false when it has no such header. */
export async function deleteServerHeader(server: ServerSummary, headerId: string, actorId: string): Promise<boolean> {
  if (!server.headers.some((header) => header.id === headerId)) return false
  const removed = await commitServerChange(server, actorId, {
    endsSessions: true,
    write: () => removeServerHeader(server, headerId),
    audit: (name) => (name ? [{ event: 'server.header_removed', detail: `Header ${name}` }] : []),
  })
  return removed !== null
}
