// Connect / Reconnect / step-up: a form POST answered by a 302 to the authorization server.
// No popup and no JavaScript needed. A GET only leads back to the server's page.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { startConnect } from '#app/oauth/connect.server.ts'
import { MAX_AUTHORIZATION_ROUNDS, countAuthorizationRound, giveBackAuthorizationRound } from '#app/models/pending-tool-call.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { keepsRefusingSentence, keepsRefusingStepUps } from '#app/mcp/tools.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { STEP_UPS_WITHOUT_CALL, describeWait, recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'

const ScopeTokenSchema = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'Invalid scope')

const ConnectFormSchema = z.object({
  intent: z.enum(['connect', 'step-up']).default('connect'),
  returnTo: z.string().max(2048).optional(),
  /** Step-up: every scope to ask for (granted ∪ challenged), space-separated. */
  scopes: z.string().max(2000).optional(),
  /** Step-up: the tool that needed them (for the message). */
  tool: z.string().max(200).optional(),
  /**
   * The stopped call to run once signed in or granted more access (PendingToolCall id). Each
   * Connect or step-up for it that reaches the authorization server counts one round
   * (docs/decisions/015); a step-up without one counts against STEP_UPS_WITHOUT_CALL.
   */
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
  const back = (message: string) => redirectWithFlash(returnTo, { kind: 'error', message })
  const owner = { userId: user.id, serverId: server.id }

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
    extraScopes.push(...scopes)
  }

  // A stopped call: this round trip counts for it, and once it is back the tool page runs the
  // call once (?resume=<pending id>). A call that used its rounds gets a sentence, not a 4th.
  let landing = returnTo
  let counted: string | null = null
  if (form.pending) {
    const round = await countAuthorizationRound(form.pending, owner)
    if (round.kind === 'exhausted') {
      return back(keepsRefusingSentence(server, round.toolName, MAX_AUTHORIZATION_ROUNDS, round.requestedScopes))
    }
    if (round.kind === 'counted') {
      counted = form.pending
      const url = new URL(returnTo, 'http://switchboard.invalid')
      url.searchParams.set('resume', form.pending)
      landing = url.pathname + url.search
    }
  }
  // A step-up that no stopped call counts (tools/list refused, the Tools page): a few per person
  // and server per hour, so it cannot repeat forever either.
  const throttleKey = form.intent === 'step-up' && !counted ? `step-up:${user.id}:${server.id}` : null
  if (throttleKey) {
    const waitMs = await throttleRetryAfterMs(throttleKey, STEP_UPS_WITHOUT_CALL)
    if (waitMs > 0) return back(keepsRefusingStepUps(server, form.tool || null, form.scopes ?? '', describeWait(waitMs)))
  }

  let started: Awaited<ReturnType<typeof startConnect>>
  try {
    started = await startConnect({
      server,
      userId: user.id,
      sessionKey: session.sessionKey,
      returnTo: landing,
      purpose: form.intent === 'step-up' ? 'step_up' : 'connect',
      extraScopes,
      tool: form.tool ?? null,
    })
  } catch (error) {
    if (counted) await giveBackAuthorizationRound(counted, owner)
    throw error
  }
  // Only a round trip that reached the authorization server (the 302 issued) uses a round up.
  if (!started.ok) {
    if (counted) await giveBackAuthorizationRound(counted, owner)
    return back(started.message)
  }
  if (throttleKey) await recordThrottledEvent(throttleKey, STEP_UPS_WITHOUT_CALL)
  return started.response
}
