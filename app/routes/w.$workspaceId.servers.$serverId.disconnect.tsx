// Disconnect: revoke at the authorization server (RFC 7009, refresh token first), then delete
// the tokens here. A revocation failure is reported, but the local delete always happens.
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { disconnectFromServer } from '#app/oauth/disconnect.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

/** Disconnecting is destructive: the form's required checkbox confirms it (STYLE.md). */
const DisconnectFormSchema = z.object({
  intent: z.literal('disconnect').optional(),
  confirm: z.literal('on', { error: 'Tick “Confirm” to disconnect.' }),
})

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
  const submission = parseWithZod(await request.formData(), { schema: DisconnectFormSchema })
  // The form sits in the server page's OAuth panel: an unticked box is answered with a flash there.
  const flash = await disconnectFromServer({ server, userId: user.id, role, confirmed: submission.status === 'success' })
  return redirectWithFlash(`/w/${workspace.id}/servers/${server.id}`, flash)
}
