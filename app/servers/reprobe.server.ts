// Probing a stored server again (Test connection, after a header is saved) and storing what it
// found: a probe that makes the server adopt another auth type invalidates the old one's sign-ins.
import type { ServerSummary } from '#app/models/server.server.ts'
import { loadEndpoint } from '#app/models/server-headers.server.ts'
import { probeAdoption, writeProbe } from '#app/models/server-probe.server.ts'
import { type ProbeResult, probeMcpServer } from '#app/mcp/probe.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'

/**
 * Stores a probe result; adopts its auth type unless an admin locked it (the old type's
 * connections are invalidated). `sentHeaders`: the probe carried static headers.
 */
export async function recordProbe(server: ServerSummary, probe: ProbeResult, sentHeaders = false): Promise<void> {
  const adopted = probeAdoption(server, probe, sentHeaders)
  await commitServerChange(server, null, {
    invalidatesOAuth: adopted !== null,
    write: () => writeProbe(server, probe, adopted),
    audit: () => [],
  })
}

/** `sentHeaders`: the probe carried the server's static headers. */
export type StoredProbe = { ok: true; probe: ProbeResult; sentHeaders: boolean } | { ok: false; unreadableHeaders: string[] }

/** Probes the server with its stored headers; a header that no longer decrypts is named, not sent. */
export async function probeStoredServer(server: ServerSummary): Promise<StoredProbe> {
  const loaded = await loadEndpoint(server)
  if (!loaded.ok) return { ok: false, unreadableHeaders: loaded.unreadableHeaders }
  return { ok: true, probe: await probeMcpServer(loaded.endpoint), sentHeaders: Object.keys(loaded.endpoint.headers).length > 0 }
}

/** Test connection: probes with the stored headers, stores the result, ends the pooled sessions and audits. */
export async function testServerConnection(server: ServerSummary, actorId: string): Promise<StoredProbe> {
  const probed = await probeStoredServer(server)
  if (!probed.ok) return probed
  const { probe } = probed
  const adopted = probeAdoption(server, probe, probed.sentHeaders)
  await commitServerChange(server, actorId, {
    invalidatesOAuth: adopted !== null,
    endsSessions: true,
    write: () => writeProbe(server, probe, adopted),
    audit: () => [{ event: 'server.tested', outcome: probe.outcome === 'open' ? 'success' : 'failure', detail: probe.message }],
  })
  return probed
}
