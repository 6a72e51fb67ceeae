// Adding a server: probe it, store it with the OAuth settings given, audit, and lead an OAuth
// server straight into Connect when Switchboard can identify itself there.
import { randomUUID } from 'node:crypto'
import type { ProbeResult } from '#app/mcp/probe.server.ts'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { DuplicateServerNameError, createServer } from '#app/models/server-write.server.ts'
import { connectAfterAdd } from '#app/oauth/connect.server.ts'
import { OAUTH_EXCEPTIONS, type OAuthException, serializeOAuthExceptions } from '#app/oauth/rules.ts'
import { encryptPreregisteredSecret } from '#app/oauth/store/registrations.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import type { ServerAuditEntry } from '#app/servers/change.server.ts'
import { type ServerFormProblem, credentialChoice, probeForForm } from '#app/servers/server-form.server.ts'
import type { Flash } from '#app/utils/flash.server.ts'
import { type AddServerForm, secondsToMs } from '#app/servers/validation.ts'

/** `?client=needed` on a server page: Add found no way for Switchboard to identify itself. */
export const CLIENT_NEEDED_PARAM = 'needed'
export const CLIENT_NEEDED_MESSAGE =
  'Switchboard cannot identify itself to this server’s authorization server: it offers no client registration and does not accept Client ID Metadata Documents. Register a client there with the redirect URI above, then enter its client ID and secret here. Then press Connect.'

/** Where the admin goes once the server is stored. */
export type AddedStep =
  /** A redirect with a flash message. */
  | { kind: 'page'; to: string; flash: Flash }
  /**
   * A document load to the client fields (they have `autofocus`). NOTE: no #fragment, since
   * browsers skip autofocus when the URL targets an element; and a client-side navigation
   * would scroll back to the top.
   */
  | { kind: 'document'; to: string; flash: Flash }
  /** Connect started: the redirect to the authorization server. */
  | { kind: 'response'; response: Response }

export type AddServerOutcome = ServerFormProblem | { ok: true; next: AddedStep }

/**
 * Adds the server the (parsed) add form describes for `userId`, whose browser session is
 * `sessionKey` (Connect binds its state to it; null: no Connect).
 */
export async function addServer(input: { workspaceId: string; userId: string; sessionKey: string | null; value: AddServerForm }): Promise<AddServerOutcome> {
  const { value } = input
  const verdict = await probeForForm(value)
  if (!verdict.ok) return verdict
  // "Needs credentials" of an unknown kind: the admin chooses the way in (decision 016).
  const { required: credentialsRequired, choice, authType } = credentialChoice(verdict.probe.outcome, value)
  if (credentialsRequired && !choice) {
    return { ok: false, field: 'credentialKind', message: 'Choose one of the two, then press Add server again.', probeFailed: false, credentialsRequired }
  }
  let created: { id: string; authType: string }
  try {
    created = await storeServer({ ...input, probe: verdict.probe, authType, legacy: choice === 'oauth-legacy' })
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return { ok: false, field: 'name', message: error.message, probeFailed: false, credentialsRequired }
  }
  const here = `/w/${input.workspaceId}/servers/${created.id}`
  if (created.authType === 'oauth') {
    const server = await requireServer(input.workspaceId, created.id)
    return { ok: true, next: await connectAfterAdding({ server, userId: input.userId, sessionKey: input.sessionKey, here }) }
  }
  if (choice === 'headers') {
    const message = `Added ${value.name}. Add the header it expects below (for example Authorization or X-Api-Key).`
    return { ok: true, next: { kind: 'page', to: `${here}#headers-heading`, flash: { kind: 'info', message } } }
  }
  return { ok: true, next: { kind: 'page', to: here, flash: { kind: 'success', message: `Added ${value.name}. ${verdict.probe.message}` } } }
}

/** Stores the server and records the same audit events the server page records for these settings. */
async function storeServer(input: {
  workspaceId: string
  userId: string
  value: AddServerForm
  probe: ProbeResult
  authType: AddServerForm['authType']
  legacy: boolean
}) {
  const { value } = input
  // The id is chosen here because the client secret's ciphertext is bound to its row.
  const id = randomUUID()
  const client = value.clientId
    ? { clientId: value.clientId, clientSecret: value.authMethod === 'none' ? null : (value.clientSecret ?? null), authMethod: value.authMethod }
    : null
  const exceptions: OAuthException[] = input.legacy ? ['legacy_discovery'] : []
  const scopes = value.scopes || null
  const audit: ServerAuditEntry[] = [{ event: 'server.created', detail: `${value.url} — ${input.probe.message}` }]
  if (client) audit.push({ event: 'oauth.client_changed', detail: `Pre-registered client ${client.clientId} (${client.authMethod})` })
  if (scopes) audit.push({ event: 'oauth.scopes_changed', scopes, detail: null })
  for (const name of exceptions) audit.push({ event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS[name].label}: enabled` })
  // A new server has no sessions or sign-ins yet: adding it only writes and audits.
  const created = await createServer({
        id,
        workspaceId: input.workspaceId,
        createdById: input.userId,
        settings: { ...value, authType: input.authType, timeoutMs: secondsToMs(value.timeoutSeconds), enabled: true },
        probe: input.probe,
        oauth: {
          clientId: client?.clientId ?? null,
          authMethod: client?.authMethod ?? null,
          encryptedClientSecret: client?.clientSecret ? encryptPreregisteredSecret(id, client.clientSecret) : null,
          scopes,
          exceptions: serializeOAuthExceptions(exceptions),
        },
      })
  for (const entry of audit) {
    await recordAudit({ workspaceId: input.workspaceId, actorId: input.userId, server: { id, name: value.name }, ...entry })
  }
  return created
}

/**
 * An OAuth server leads straight into Connect (one discovery, app/oauth/connect.server.ts), but
 * only when Switchboard can identify itself there; otherwise the admin lands on the client fields
 * with the reason; any other failure is said on the server page.
 */
async function connectAfterAdding(input: { server: ServerSummary; userId: string; sessionKey: string | null; here: string }): Promise<AddedStep> {
  const { server, here } = input
  const next = await connectAfterAdd({ server, userId: input.userId, sessionKey: input.sessionKey, returnTo: here })
  if (next.kind === 'redirect') return { kind: 'response', response: next.response }
  if (next.kind === 'client_needed') {
    const message = `Added ${server.name}. It uses OAuth, but its authorization server needs a client registered by an admin before anyone can connect.`
    return { kind: 'document', to: clientNeededPath(here), flash: { kind: 'info', message } }
  }
  return { kind: 'page', to: here, flash: { kind: 'info', message: `Added ${server.name}. It uses OAuth, but signing in could not start: ${next.message}` } }
}

/** Where Add sends an admin who must enter a pre-registered client first. */
function clientNeededPath(serverPath: string): string {
  return `${serverPath}?client=${CLIENT_NEEDED_PARAM}`
}
