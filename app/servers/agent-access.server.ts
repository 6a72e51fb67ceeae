// Offering a server to agents (or not) and choosing its tool prefix on the workspace's MCP endpoint. A prefix must
// not be one another server has now, set or derived: taking a derived one would silently rename that server's tools
// for every agent (docs/decisions/036-connected-apps-and-agent-access.md).
import { DuplicateAgentPrefixError, listAgentAccess, setServerAgentAccess } from '#app/models/agent-access.server.ts'
import type { ServerSummary } from '#app/models/server.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'

export type AgentAccessOutcome = { ok: true; changed: boolean } | { ok: false; field: 'agentPrefix'; message: string }

function taken(name: string, prefix: string): AgentAccessOutcome {
  return { ok: false, field: 'agentPrefix', message: `${name} already uses the prefix “${prefix}”. Choose another one.` }
}

/** Saves whether `server` is offered to agents and its prefix (null: derived from the name), audited. */
export async function changeAgentAccess(
  server: ServerSummary,
  input: { available: boolean; prefix: string | null },
  actorId: string,
): Promise<AgentAccessOutcome> {
  const servers = await listAgentAccess(server.workspaceId)
  const before = servers.find((s) => s.id === server.id)
  if (!before) throw new Response('Server not found', { status: 404 })
  if (input.prefix) {
    const clash = servers.find((s) => s.id !== server.id && s.effectivePrefix === input.prefix)
    if (clash) return taken(clash.name, input.prefix)
  }
  if (before.available === input.available && before.prefix === input.prefix) return { ok: true, changed: false }
  try {
    await commitServerChange(server, actorId, {
      write: () => setServerAgentAccess(server, input),
      audit: () => [{ event: 'server.agent_access_changed', detail: describe(before, input) }],
    })
  } catch (error) {
    if (!(error instanceof DuplicateAgentPrefixError) || !input.prefix) throw error
    // Another admin set the same prefix between the check and the write.
    const now = (await listAgentAccess(server.workspaceId)).find((s) => s.id !== server.id && s.prefix === input.prefix)
    return taken(now?.name ?? 'Another server', input.prefix)
  }
  return { ok: true, changed: true }
}

function describe(before: { available: boolean; prefix: string | null; effectivePrefix: string }, after: { available: boolean; prefix: string | null }): string {
  const changes = [
    before.available !== after.available && (after.available ? 'offered to agents' : 'no longer offered to agents'),
    before.prefix !== after.prefix && `tool prefix ${before.effectivePrefix} → ${after.prefix ?? 'derived from the name'}`,
  ].filter(Boolean)
  return changes.join('; ')
}
