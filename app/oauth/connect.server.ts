// Connect, Reconnect and step-up as use cases: what happens between a press of the button (or
// adding an OAuth server) and the 302 to the authorization server. The rounds a stopped tool
// call may make, the step-up throttle and the audit are here, so routes only parse and redirect.
// Read top-down: this module → oauth/authorize.server.ts (discovery, client, PKCE) →
// oauth/store/flows.server.ts (the stored state) → oauth/finish-connect.server.ts (the callback).
import { recordAudit } from '#app/models/audit.server.ts'
import { MAX_AUTHORIZATION_ROUNDS, countAuthorizationRound, giveBackAuthorizationRound } from '#app/models/pending-tool-call.server.ts'
import { canManageWorkspace, type Role } from '#app/utils/permissions.ts'
import { STEP_UPS_WITHOUT_CALL, describeWait, recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'
import { type ConnectInput, beginAuthorization } from '#app/oauth/authorize.server.ts'
import type { OAuthServer } from '#app/oauth/client-identity.server.ts'
import { OAuthProblem } from '#app/oauth/errors.server.ts'
import { keepsRefusingSentence, keepsRefusingStepUps } from '#app/oauth/rounds.server.ts'

/** The headers of every answer that leads to or comes from the authorization server. */
export const PRIVATE_HEADERS = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } as const

export type StartConnectInput = Omit<ConnectInput, 'challenge'> & {
  /** Step-up: the tool that needed more access (for the audit). */
  tool?: string | null
}

export type StartOutcome =
  | { ok: true; response: Response }
  | { ok: false; message: string; /** The problem's code, e.g. `registration_unavailable`. */ code: string }

/**
 * Starts Connect for a signed-in person and records it: the 302 to the authorization server,
 * or the sentence that says why it could not start (also recorded as a failure, unless
 * `quietCodes` names the problem: the caller then says it in its own way).
 */
export async function startConnect(input: StartConnectInput, quietCodes: readonly string[] = []): Promise<StartOutcome> {
  const { server, userId } = input
  const audit = { workspaceId: server.workspaceId, actorId: userId, server: { id: server.id, name: server.name } }
  try {
    const started = await beginAuthorization(input)
    await recordAudit({
      ...audit,
      event: input.purpose === 'step_up' ? 'oauth.step_up' : 'oauth.connect_started',
      issuer: started.discovery.issuer,
      scopes: started.scopes || null,
      detail: input.purpose === 'step_up' && input.tool ? `For the tool ${input.tool}` : null,
    })
    return { ok: true, response: new Response(null, { status: 302, headers: { Location: started.url, ...PRIVATE_HEADERS } }) }
  } catch (error) {
    if (!(error instanceof OAuthProblem)) throw error
    if (!quietCodes.includes(error.code)) {
      await recordAudit({ ...audit, event: 'oauth.connect_failed', outcome: 'failure', detail: error.message })
    }
    return { ok: false, message: error.message, code: error.code }
  }
}

/** A server as the Connect button needs it: the OAuth client's columns, whether it is on and uses OAuth. */
export type ConnectableServer = OAuthServer & { authType: string; enabled: boolean }

/** What the Connect form asked for, parsed and checked by the route. */
export type ConnectRequest = {
  server: ConnectableServer
  userId: string
  role: Role
  sessionKey: string
  /** A same-origin path (the route checked it) to land on afterwards. */
  returnTo: string
  intent: 'connect' | 'step-up'
  /** Step-up: every scope to ask for (granted ∪ challenged). */
  scopes: string[]
  tool: string | null
  /** The stopped tool call to run once back (PendingToolCall id). */
  pending: string | null
}

/** Where the Connect button leads: the authorization server, or back with a sentence. */
export type ConnectOutcome = { kind: 'redirect'; response: Response } | { kind: 'back'; to: string; message: string }

/**
 * The Connect, Reconnect or "Grant more access" button. A stopped call counts one round per
 * round trip that reaches the authorization server and comes back with `?resume=<id>`; one
 * that used its rounds gets a sentence, not another trip. A step-up that no stopped call
 * counts is throttled per person and server. Throws a 403 Response when a member presses
 * Connect for the workspace's shared connection.
 */
export async function requestConnect(request: ConnectRequest): Promise<ConnectOutcome> {
  const { server, userId, returnTo } = request
  const back = (message: string): ConnectOutcome => ({ kind: 'back', to: returnTo, message })
  if (server.authType !== 'oauth') return back(`${server.name} does not use OAuth, so there is nothing to connect.`)
  if (!server.enabled) return back(`${server.name} is disabled.`)
  if (server.oauthShared && !canManageWorkspace(request.role)) {
    throw new Response('Only admins can connect a shared connection', { status: 403 })
  }
  const owner = { userId, serverId: server.id }
  let landing = returnTo
  let counted: string | null = null
  if (request.pending) {
    const round = await countAuthorizationRound(request.pending, owner)
    if (round.kind === 'exhausted') return back(keepsRefusingSentence(server, round.toolName, MAX_AUTHORIZATION_ROUNDS, round.requestedScopes))
    if (round.kind === 'counted') {
      counted = request.pending
      const url = new URL(returnTo, 'http://switchboard.invalid')
      url.searchParams.set('resume', request.pending)
      landing = url.pathname + url.search
    }
  }
  // A step-up that no stopped call counts (tools/list refused, the Tools page): a few per person
  // and server per hour, so it cannot repeat forever either.
  const throttleKey = request.intent === 'step-up' && !counted ? `step-up:${userId}:${server.id}` : null
  if (throttleKey) {
    const waitMs = await throttleRetryAfterMs(throttleKey, STEP_UPS_WITHOUT_CALL)
    if (waitMs > 0) return back(keepsRefusingStepUps(server, request.tool, request.scopes.join(' '), describeWait(waitMs)))
  }
  let started: StartOutcome
  try {
    started = await startConnect({
      server,
      userId,
      sessionKey: request.sessionKey,
      returnTo: landing,
      purpose: request.intent === 'step-up' ? 'step_up' : 'connect',
      extraScopes: request.intent === 'step-up' ? request.scopes : [],
      tool: request.tool,
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
  return { kind: 'redirect', response: started.response }
}

/** What follows adding an OAuth server. */
export type AfterAddOutcome =
  | { kind: 'redirect'; response: Response }
  /** Switchboard cannot identify itself there: an admin must enter a pre-registered client. */
  | { kind: 'client_needed' }
  | { kind: 'not_started'; message: string }

/**
 * An OAuth server just added leads straight into Connect, with one discovery. When Switchboard
 * cannot identify itself there (no pre-registered client, no CIMD support, no registration),
 * nothing starts and nothing is recorded as failed: the admin is sent to the client fields.
 */
export async function connectAfterAdd(input: { server: OAuthServer; userId: string; sessionKey: string | null; returnTo: string }): Promise<AfterAddOutcome> {
  if (!input.sessionKey) return { kind: 'not_started', message: 'Press Connect to sign in.' }
  const started = await startConnect({ ...input, sessionKey: input.sessionKey }, ['registration_unavailable'])
  if (started.ok) return { kind: 'redirect', response: started.response }
  if (started.code === 'registration_unavailable') return { kind: 'client_needed' }
  return { kind: 'not_started', message: started.message }
}
