// The server page's action, after route.tsx parsed the form once and checked who asks: one
// use case per intent, and the words the person sees afterwards.
import type { SubmissionResult } from '@conform-to/react'
import { data } from '@remix-run/node'
import type { ServerSummary } from '#app/models/server.server.ts'
import { listServerTools } from '#app/mcp/tools.server.ts'
import { OAUTH_EXCEPTIONS } from '#app/oauth/rules.ts'
import { type ServerPageForm, type ServerPageIntent } from '#app/routes/w.$workspaceId.servers.$serverId._index/form-schema.ts'
import { changeAgentAccess } from '#app/servers/agent-access.server.ts'
import { enableServer } from '#app/servers/enable-server.server.ts'
import { changeOAuthClient, changeOAuthException, changeOAuthScopes, changeOAuthSharing } from '#app/servers/oauth-settings.server.ts'
import { testServerConnection } from '#app/servers/reprobe.server.ts'
import { deleteServerHeader, saveServerHeader } from '#app/servers/server-headers.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

/** What every intent needs: who asks, the server (read once, owner-checked), where to go back to. */
export type ServerPageRequest = {
  userId: string
  server: ServerSummary
  here: string
  /** The submission's reply with a problem the use case found (field or form). */
  reject: (problem: { field?: string; message: string }) => ReturnType<typeof rejectWith>
}

/** A 400 with the form's reply, tagged with its intent so the page shows it on the right form. */
export function rejectWith(intent: ServerPageIntent, result: SubmissionResult) {
  return data({ intent, result }, { status: 400 })
}

/** Runs the use case of one (valid) submission and redirects with what happened. */
export async function runServerPageIntent(value: ServerPageForm, request: ServerPageRequest) {
  const { userId, server, here } = request
  const done = (kind: 'success' | 'error' | 'info', message: string) => redirectWithFlash(here, { kind, message })
  switch (value.intent) {
    case 'test-oauth': {
      const outcome = await listServerTools(userId, server)
      if (!outcome.ok) return done('error', outcome.failure.message)
      const count = outcome.value.length
      return done('success', `The connection works: ${server.name} lists ${count} tool${count === 1 ? '' : 's'}.`)
    }
    case 'set-oauth-client': {
      const { clientId, clientSecret, authMethod } = value
      const outcome = await changeOAuthClient(server, { clientId, clientSecret, authMethod }, userId)
      if (!outcome.ok) return request.reject({ field: outcome.field, message: outcome.message })
      return done('success', outcome.changed ? 'Saved the OAuth client. Everyone must reconnect.' : 'Nothing changed.')
    }
    case 'remove-oauth-client':
      await changeOAuthClient(server, null, userId)
      return done('success', 'Removed the OAuth client. Everyone must reconnect.')
    case 'set-oauth-scopes':
      await changeOAuthScopes(server, value.scopes, userId)
      return done('success', 'Saved the scopes. They apply to the next Connect.')
    case 'set-oauth-shared':
      await changeOAuthSharing(server, value.shared, userId)
      return done(
        'success',
        value.shared ? 'The connection is now shared. An admin must connect it.' : 'Each person now connects with their own account.',
      )
    case 'set-oauth-exception':
      await changeOAuthException(server, value.exception, value.enabled, userId)
      return done('success', `${OAUTH_EXCEPTIONS[value.exception].label}: ${value.enabled ? 'enabled' : 'disabled'}.`)
    case 'test-connection': {
      const tested = await testServerConnection(server, userId)
      if (!tested.ok) {
        return done('error', `The stored value of ${tested.unreadableHeaders.join(', ')} can no longer be read. Enter it again below.`)
      }
      return done(tested.probe.outcome === 'open' ? 'success' : 'info', tested.probe.message)
    }
    case 'set-enabled':
      await enableServer(server, value.enabled, userId)
      return done('success', value.enabled ? `${server.name} is enabled.` : `${server.name} is disabled.`)
    case 'set-header': {
      const saved = await saveServerHeader(server, { name: value.headerName, value: value.headerValue }, userId)
      if (!saved.ok) return request.reject({ message: saved.message })
      return done(saved.probe?.outcome === 'open' ? 'success' : 'info', `Saved the header ${value.headerName}.${saved.probe ? ` ${saved.probe.message}` : ''}`)
    }
    case 'set-agent-access': {
      const outcome = await changeAgentAccess(server, { available: value.available, prefix: value.agentPrefix ?? null }, userId)
      if (!outcome.ok) return request.reject({ field: outcome.field, message: outcome.message })
      if (!outcome.changed) return done('info', 'Nothing changed.')
      return done('success', value.available ? `Saved. Agents can use ${server.name}.` : `Saved. ${server.name} is not offered to agents.`)
    }
    case 'remove-header':
      if (!(await deleteServerHeader(server, value.headerId, userId))) throw new Response('Header not found', { status: 404 })
      return done('success', 'Header removed.')
  }
}
