// The server page's action, one function per intent. route.tsx checks who asks (and, for all
// but test-oauth, that they may manage the workspace) before calling any of these.
import { parseWithZod } from '@conform-to/zod/v4'
import { data } from '@remix-run/node'
import { recordAudit } from '#app/models/audit.server.ts'
import { type ServerSummary, requireServer } from '#app/models/server.server.ts'
import { HeaderLimitError, loadEndpoint, removeServerHeader, setServerHeader } from '#app/models/server-headers.server.ts'
import { setOAuthClient, setOAuthException, setOAuthScopes, setOAuthShared } from '#app/models/server-oauth-settings.server.ts'
import { recordProbe } from '#app/models/server-probe.server.ts'
import { setServerEnabled } from '#app/models/server-write.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { EnableFormSchema, RemoveHeaderFormSchema, SetHeaderFormSchema, removeHeaderIntent, setHeaderIntent } from '#app/routes/w.$workspaceId.servers.$serverId._index/form-schema.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { probeMcpServer } from '#app/mcp/probe.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { OAUTH_EXCEPTIONS, isOAuthException } from '#app/oauth/rules.ts'
import {
  CLIENT_SECRET_MISSING_MESSAGE,
  OAuthClientFormSchema,
  OAuthScopesSchema,
  isClientSecretMissing,
  normalizeScopes,
} from '#app/utils/server-validation.ts'

/** What every intent needs: who asks, the server (owner-checked), the form, where to go back to, the audit fields. */
export type ServerPageAction = {
  user: { id: string }
  workspace: { id: string }
  server: ServerSummary
  formData: FormData
  here: string
  audit: { workspaceId: string; actorId: string; server: { id: string; name: string } }
}

/** Any member may test their own OAuth connection: lists the tools with it. */
export async function testOAuthAction({ user, server, here }: ServerPageAction) {
  const outcome = await listServerTools(user.id, server)
  return redirectWithFlash(here, {
    kind: outcome.ok ? 'success' : 'error',
    message: outcome.ok
      ? `The connection works: ${server.name} lists ${outcome.value.length} tool${outcome.value.length === 1 ? '' : 's'}.`
      : outcome.failure.message,
  })
}

/** Sets the pre-registered OAuth client; a change makes everyone reconnect. */
export async function setOAuthClientAction({ server, formData, here, audit }: ServerPageAction) {
  const intent = 'set-oauth-client'
  const values = { clientId: String(formData.get('clientId') ?? ''), authMethod: String(formData.get('authMethod') ?? '') }
  const parsed = OAuthClientFormSchema.safeParse({
    clientId: formData.get('clientId') ?? '',
    clientSecret: formData.get('clientSecret') || undefined,
    authMethod: formData.get('authMethod') ?? '',
  })
  if (!parsed.success) {
    return data({ intent, oauthReply: { intent, error: parsed.error.issues[0]?.message ?? 'Check the form', values } }, { status: 400 })
  }
  const { clientId, clientSecret, authMethod } = parsed.data
  if (isClientSecretMissing(parsed.data, server.hasOAuthClientSecret && clientId === server.oauthClientId)) {
    return data(
      { intent, oauthReply: { intent, error: CLIENT_SECRET_MISSING_MESSAGE, values } },
      { status: 400 },
    )
  }
  const { changed } = await setOAuthClient(server, { clientId, clientSecret: authMethod === 'none' ? null : clientSecret, authMethod })
  if (changed) {
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'oauth.client_changed', detail: `Pre-registered client ${clientId} (${authMethod}); everyone must reconnect` })
  }
  return redirectWithFlash(here, { kind: 'success', message: changed ? 'Saved the OAuth client. Everyone must reconnect.' : 'Nothing changed.' })
}

/** Removes the pre-registered OAuth client (confirm box required). */
export async function removeOAuthClientAction({ server, formData, here, audit }: ServerPageAction) {
  if (formData.get('confirm') !== 'on') return redirectWithFlash(here, { kind: 'error', message: 'Tick the box to confirm.' })
  const { changed } = await setOAuthClient(server, null)
  if (changed) {
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'oauth.client_changed', detail: 'Pre-registered client removed; everyone must reconnect' })
  }
  return redirectWithFlash(here, { kind: 'success', message: 'Removed the OAuth client. Everyone must reconnect.' })
}

/** Saves the scopes to request at the next Connect. */
export async function setOAuthScopesAction({ server, formData, here, audit }: ServerPageAction) {
  const intent = 'set-oauth-scopes'
  const raw = String(formData.get('scopes') ?? '')
  const parsed = OAuthScopesSchema.safeParse(raw)
  if (!parsed.success) {
    return data({ intent, oauthReply: { intent, error: parsed.error.issues[0]?.message ?? 'Check the scopes', values: { scopes: raw } } }, { status: 400 })
  }
  const scopes = normalizeScopes(parsed.data)
  await setOAuthScopes(server, scopes || null)
  await recordAudit({ ...audit, event: 'oauth.scopes_changed', scopes: scopes || null, detail: scopes ? null : 'Back to what the server asks for' })
  return redirectWithFlash(here, { kind: 'success', message: 'Saved the scopes. They apply to the next Connect.' })
}

/** Switches between one connection per person and one shared connection. */
export async function setOAuthSharedAction({ server, formData, here, audit }: ServerPageAction) {
  const shared = formData.get('shared') === 'true'
  const { changed } = await setOAuthShared(server, shared)
  if (changed) {
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'oauth.shared_changed', detail: shared ? 'One shared connection for every member' : 'One connection per person' })
  }
  return redirectWithFlash(here, {
    kind: 'success',
    message: shared ? 'The connection is now shared. An admin must connect it.' : 'Each person now connects with their own account.',
  })
}

/** Turns one named OAuth rule exception on or off. */
export async function setOAuthExceptionAction({ server, formData, here, audit }: ServerPageAction) {
  const name = formData.get('exception')
  if (!isOAuthException(name)) throw new Response('Unknown exception', { status: 400 })
  const enabled = formData.get('enabled') === 'true'
  const { changed } = await setOAuthException(server, name, enabled)
  if (changed) {
    await recordAudit({ ...audit, event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS[name].label}: ${enabled ? 'enabled' : 'disabled'}` })
  }
  return redirectWithFlash(here, { kind: 'success', message: `${OAUTH_EXCEPTIONS[name].label}: ${enabled ? 'enabled' : 'disabled'}.` })
}

/** Probes the server with its stored headers and records the result. */
export async function testConnectionAction({ server, here, audit }: ServerPageAction) {
  const loaded = await loadEndpoint(server)
  if (!loaded.ok) {
    return redirectWithFlash(here, {
      kind: 'error',
      message: `The stored value of ${loaded.unreadableHeaders.join(', ')} can no longer be read. Enter it again below.`,
    })
  }
  const probe = await probeMcpServer(loaded.endpoint)
  await recordProbe(server, probe)
  await getSessionPool().closeServer(server.id)
  await recordAudit({ ...audit, event: 'server.tested', outcome: probe.outcome === 'open' ? 'success' : 'failure', detail: probe.message })
  return redirectWithFlash(here, { kind: probe.outcome === 'open' ? 'success' : 'info', message: probe.message })
}

/** Enables or disables the server. */
export async function setEnabledAction({ server, formData, here, audit }: ServerPageAction) {
  const parsed = EnableFormSchema.safeParse(Object.fromEntries(formData))
  if (!parsed.success) throw new Response('Choose enabled or disabled', { status: 400 })
  const enabled = parsed.data.enabled === 'true'
  await setServerEnabled(server, enabled)
  if (!enabled) await getSessionPool().closeServer(server.id)
  await recordAudit({ ...audit, event: enabled ? 'server.enabled' : 'server.disabled' })
  return redirectWithFlash(here, { kind: 'success', message: enabled ? `${server.name} is enabled.` : `${server.name} is disabled.` })
}

/** Adds or replaces a header, then tests the server with it. */
export async function setHeaderAction({ workspace, server, formData, here, audit }: ServerPageAction) {
  const intent = setHeaderIntent
  const submission = parseWithZod(formData, { schema: SetHeaderFormSchema })
  if (submission.status !== 'success') {
    return data({ intent, result: submission.reply({ hideFields: ['headerValue'] }) }, { status: 400 })
  }
  try {
    await setServerHeader(server, submission.value.headerName, submission.value.headerValue)
  } catch (error) {
    if (!(error instanceof HeaderLimitError)) throw error
    return data({ intent, result: submission.reply({ formErrors: [error.message], hideFields: ['headerValue'] }) }, { status: 400 })
  }
  await getSessionPool().closeServer(server.id)
  await recordAudit({ ...audit, event: 'server.header_set', detail: `Header ${submission.value.headerName} (value not recorded)` })
  // Test right away with the new header so the page says whether it works.
  const refreshed = await requireServer(workspace.id, server.id)
  const loaded = await loadEndpoint(refreshed)
  const probe = loaded.ok ? await probeMcpServer(loaded.endpoint) : null
  if (probe) await recordProbe(refreshed, probe)
  return redirectWithFlash(here, {
    kind: probe?.outcome === 'open' ? 'success' : 'info',
    message: `Saved the header ${submission.value.headerName}.${probe ? ` ${probe.message}` : ''}`,
  })
}

/** Removes a header (confirm box required). */
export async function removeHeaderAction({ server, formData, here, audit }: ServerPageAction) {
  const intent = removeHeaderIntent
  const submission = parseWithZod(formData, { schema: RemoveHeaderFormSchema })
  if (submission.status !== 'success') return data({ intent, result: submission.reply() }, { status: 400 })
  const removed = await removeServerHeader(server, submission.value.headerId)
  if (!removed) throw new Response('Header not found', { status: 404 })
  await getSessionPool().closeServer(server.id)
  await recordAudit({ ...audit, event: 'server.header_removed', detail: `Header ${removed}` })
  return redirectWithFlash(here, { kind: 'success', message: 'Header removed.' })
}
