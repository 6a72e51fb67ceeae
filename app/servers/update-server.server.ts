// Editing a server: probe again when the address changes, write, invalidate what the old
// configuration issued, end its sessions, audit.
import type { ServerSummary } from '#app/models/server.server.ts'
import { loadEndpoint } from '#app/models/server-headers.server.ts'
import { DuplicateServerNameError, type ServerInput, serverUpdatePlan, updateServerRow } from '#app/models/server-write.server.ts'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import { commitServerChange } from '#app/servers/change.server.ts'
import { changeOAuthException } from '#app/servers/oauth-settings.server.ts'
import { type ServerFormProblem, credentialChoice, probeForForm } from '#app/servers/server-form.server.ts'
import { type CredentialKind, type ServerForm, secondsToMs } from '#app/servers/validation.ts'

/**
 * Updates a server for `actorId`. A new URL, transport or auth type revokes and deletes the
 * connections of the old configuration (sessions too); disabling ends the sessions.
 * Throws DuplicateServerNameError (nothing changed then).
 */
export async function updateServer(
  server: ServerSummary,
  input: ServerInput,
  probe: ProbeResult | null,
  actorId: string | null,
): Promise<{ configChanged: boolean }> {
  const { configChanged } = serverUpdatePlan(server, input, probe)
  await commitServerChange(server, actorId, {
    invalidatesOAuth: configChanged,
    endsSessions: !input.enabled,
    write: () => updateServerRow(server, input, probe),
    audit: () => [{ event: 'server.updated', server: { id: server.id, name: input.name }, detail: describeChanges(server, input) }],
  })
  return { configChanged }
}

export type EditServerOutcome = ServerFormProblem | { ok: true; message: string }

const CHOICE_MESSAGES: Record<CredentialKind, string> = {
  headers: 'It uses static headers: add the one it expects on this page.',
  'oauth-legacy': 'It uses OAuth as an MCP 2025-03-26 server: each person connects with their own account.',
}

/** The edit form (parsed): probes a new address with the stored headers, then updates; `message` is for the flash. */
export async function editServer(server: ServerSummary, value: ServerForm, actorId: string): Promise<EditServerOutcome> {
  // A new address or transport is a different server as far as the probe is concerned.
  let probe: ProbeResult | null = null
  if (value.url !== server.url || value.transport !== server.transport) {
    const loaded = await loadEndpoint(server)
    const verdict = await probeForForm(value, loaded.ok ? loaded.endpoint.headers : {})
    if (!verdict.ok) return verdict
    probe = verdict.probe
  }
  // "Needs credentials" (from this probe or the stored one): the admin's radio choice sets the way in.
  const { required: credentialsRequired, choice, authType } = credentialChoice(probe?.outcome ?? server.probeOutcome, value)
  if (credentialsRequired && !choice) {
    return { ok: false, field: 'credentialKind', message: 'Choose how people sign in to this server.', probeFailed: false, credentialsRequired }
  }
  try {
    await updateServer(server, { ...value, authType, timeoutMs: secondsToMs(value.timeoutSeconds) }, probe, actorId)
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return { ok: false, field: 'name', message: error.message, probeFailed: false, credentialsRequired }
  }
  // Audited under the name it has now, like the update.
  if (choice === 'oauth-legacy') await changeOAuthException({ ...server, name: value.name }, 'legacy_discovery', true, actorId)
  return { ok: true, message: `Saved ${value.name}.${probe ? ` ${probe.message}` : ''}${choice ? ` ${CHOICE_MESSAGES[choice]}` : ''}` }
}

function describeChanges(before: ServerSummary, after: ServerInput): string {
  const changes = [
    after.authType !== 'detect' && before.authType !== after.authType && `authentication ${before.authType} → ${after.authType}`,
    before.name !== after.name && `name “${before.name}” → “${after.name}”`,
    before.url !== after.url && `URL ${before.url} → ${after.url}`,
    before.transport !== after.transport && `transport ${before.transport} → ${after.transport}`,
    before.timeoutMs !== after.timeoutMs && `timeout ${before.timeoutMs / 1000} s → ${after.timeoutMs / 1000} s`,
    before.enabled !== after.enabled && (after.enabled ? 'enabled' : 'disabled'),
  ].filter(Boolean)
  return changes.length > 0 ? changes.join('; ') : 'saved without changes'
}
