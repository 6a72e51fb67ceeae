// Connect / Reconnect / step-up: a form POST answered by a 302 to the authorization server.
// No popup and no JavaScript needed. A GET only leads back to the server's page.
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requestConnect } from '#app/oauth/connect.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { getActiveSession } from '#app/utils/session.server.ts'

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`. */
const ScopeTokenSchema = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'Invalid scope')

const ConnectFormSchema = z
  .object({
    intent: z.enum(['connect', 'step-up']).default('connect'),
    returnTo: z.string().max(2048).optional(),
    /** Step-up: every scope to ask for (granted ∪ challenged), space-separated. */
    scopes: z
      .string()
      .max(2000)
      .optional()
      .transform((value) => (value ?? '').split(/\s+/).filter(Boolean))
      .pipe(z.array(ScopeTokenSchema).max(50)),
    /** Step-up: the tool that needed them (for the message). */
    tool: z.string().max(200).optional(),
    /**
     * The stopped call to run once signed in or granted more access (PendingToolCall id). Each
     * Connect or step-up for it that reaches the authorization server counts one round
     * (docs/decisions/015); a step-up without one counts against STEP_UPS_WITHOUT_CALL.
     */
    pending: z.string().regex(/^[A-Za-z0-9_-]{32}$/).optional(),
  })
  .refine((form) => form.intent !== 'step-up' || form.scopes.length > 0, { path: ['scopes'], message: 'A step-up names the scopes to ask for' })

/** A GET (a reload, a bookmark) only leads back to the server's page, for those who may see it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  return redirect(`/w/${workspace.id}/servers/${server.id}`)
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const session = await getActiveSession(request)
  if (!session) throw redirect('/login')
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  // Every field is hidden (the button's own form): a bad one is a tampered request, not a typo.
  const submission = parseWithZod(await request.formData(), { schema: ConnectFormSchema })
  if (submission.status !== 'success') throw new Response('Invalid form', { status: 400 })
  const form = submission.value
  const outcome = await requestConnect({
    server,
    userId: user.id,
    role,
    sessionKey: session.sessionKey,
    returnTo: safeRedirectPath(form.returnTo, `/w/${workspace.id}/servers/${server.id}`),
    intent: form.intent,
    scopes: form.scopes,
    tool: form.tool ?? null,
    pending: form.pending ?? null,
  })
  if (outcome.kind === 'redirect') return outcome.response
  return redirectWithFlash(outcome.to, { kind: 'error', message: outcome.message })
}
