// Disconnect: revoke at the authorization server (RFC 7009, refresh token first), then delete
// the tokens here. A revocation failure is reported, but the local delete always happens.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { recordAudit } from '#app/models/audit.server.ts'
import { ownerKeyFor } from '#app/oauth/store/connections.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { disconnect } from '#app/oauth/revocation.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'

/** A GET (a reload, a bookmark) only leads back to the server's page, for those who may see it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  return redirect(`/w/${workspace.id}/servers/${server.id}`)
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const here = `/w/${workspace.id}/servers/${server.id}`
  if (server.oauthShared && !canManageWorkspace(role)) {
    throw new Response('Only admins can disconnect a shared connection', { status: 403 })
  }
  if ((await request.formData()).get('confirm') !== 'on') {
    return redirectWithFlash(here, { kind: 'error', message: 'Tick “Confirm” to disconnect.' })
  }
  const outcome = await disconnect(server, ownerKeyFor(user.id, server.oauthShared))
  if (!outcome.existed) return redirectWithFlash(here, { kind: 'info', message: `You were not connected to ${server.name}.` })
  await getSessionPool().closeServer(server.id)
  await recordAudit({
    workspaceId: workspace.id,
    actorId: user.id,
    server: { id: server.id, name: server.name },
    event: 'oauth.disconnected',
    outcome: outcome.ok ? 'success' : 'failure',
    issuer: outcome.issuer,
    scopes: outcome.scopes,
    detail: outcome.attempted
      ? outcome.ok
        ? 'Revoked at the authorization server'
        : (outcome.message ?? 'Revocation failed')
      : 'The authorization server offers no revocation; deleted here only',
  })
  return redirectWithFlash(here, {
    kind: outcome.ok ? 'success' : 'info',
    message: outcome.ok
      ? `Disconnected from ${server.name}${outcome.attempted ? ' and revoked access at its authorization server' : ''}.`
      : `Disconnected from ${server.name}. ${outcome.message ?? ''}`,
  })
}
