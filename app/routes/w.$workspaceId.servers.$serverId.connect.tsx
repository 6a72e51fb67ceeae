// Connect / Reconnect / step-up: a form POST answered by a 302 to the authorization server.
// No popup and no JavaScript needed. A GET only leads back to the server's page.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { startConnect } from '#app/models/oauth-connect.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'

/** A step-up for one tool is tried at most this often per person before Switchboard gives up. */
export const STEP_UP_ATTEMPTS = { limit: 3, windowMs: 60 * 60 * 1000 }

const ScopeTokenSchema = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'Invalid scope')

const ConnectFormSchema = z.object({
  intent: z.enum(['connect', 'step-up']).default('connect'),
  returnTo: z.string().max(2048).optional(),
  /** Step-up: every scope to ask for (granted ∪ challenged), space-separated. */
  scopes: z.string().max(2000).optional(),
  /** Step-up: the tool that needed them (for the message and the attempt limit). */
  tool: z.string().max(200).optional(),
  /** Step-up: the stopped call to run once access is granted (PendingToolCall id). */
  pending: z.string().regex(/^[A-Za-z0-9_-]{32}$/).optional(),
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
  const session = await getActiveSession(request)
  if (!session) throw redirect('/login')
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const here = `/w/${workspace.id}/servers/${server.id}`
  const parsed = ConnectFormSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) throw new Response('Invalid form', { status: 400 })
  const form = parsed.data
  const returnTo = safeRedirectPath(form.returnTo, here)
  // After a granted step-up, the tool page runs the stopped call once (?resume=<pending id>).
  let landing = returnTo
  if (form.intent === 'step-up' && form.pending) {
    const url = new URL(returnTo, 'http://switchboard.invalid')
    url.searchParams.set('resume', form.pending)
    landing = url.pathname + url.search
  }
  const back = (message: string) => redirectWithFlash(returnTo, { kind: 'error', message })

  if (server.authType !== 'oauth') return back(`${server.name} does not use OAuth, so there is nothing to connect.`)
  if (!server.enabled) return back(`${server.name} is disabled.`)
  if (server.oauthShared && !canManageWorkspace(role)) {
    throw new Response('Only admins can connect a shared connection', { status: 403 })
  }

  const extraScopes: string[] = []
  if (form.intent === 'step-up') {
    const scopes = (form.scopes ?? '').split(/\s+/).filter(Boolean)
    if (scopes.length === 0 || scopes.length > 50 || !scopes.every((scope) => ScopeTokenSchema.safeParse(scope).success)) {
      throw new Response('Invalid scopes', { status: 400 })
    }
    const key = `step-up:${user.id}:${server.id}:${(form.tool ?? '').slice(0, 200)}`
    if ((await throttleRetryAfterMs(key, STEP_UP_ATTEMPTS)) > 0) {
      return back(
        `Switchboard asked ${server.name} for more access ${STEP_UP_ATTEMPTS.limit} times${form.tool ? ` for “${form.tool}”` : ''} without success, so it stopped trying. Ask an admin to check the scopes this server grants, or try again in an hour.`,
      )
    }
    await recordThrottledEvent(key, STEP_UP_ATTEMPTS)
    extraScopes.push(...scopes)
  }

  const started = await startConnect({
    server,
    userId: user.id,
    sessionKey: session.sessionKey,
    returnTo: landing,
    purpose: form.intent === 'step-up' ? 'step_up' : 'connect',
    extraScopes,
    tool: form.tool ?? null,
  })
  return started.ok ? started.response : back(started.message)
}
