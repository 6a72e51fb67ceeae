// The callback as a use case: the browser is back from the authorization server. Completes the
// flow (oauth/callback.server.ts), records it, re-registers once when the registration was
// rejected, and says where to go: the page the flow saved (a stopped tool call resumes there
// with `?resume=<id>`, see oauth/connect.server.ts) or a page that says what went wrong.
import { completeAgentElicitations } from '#app/models/agent-elicitation.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { findServerForMember } from '#app/models/server.server.ts'
import type { Flash } from '#app/utils/flash.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'
import { type CallbackParams, completeAuthorization } from '#app/oauth/callback.server.ts'
import { startConnect } from '#app/oauth/connect.server.ts'
import type { ConsumedFlow } from '#app/oauth/store/flows.server.ts'

/** A rejected registration is redone automatically at most once per person and server in this window. */
const RE_REGISTER_ONCE = { limit: 1, windowMs: 10 * 60 * 1000 }

export type FinishOutcome =
  /** Connected: go to the saved page with the flash. */
  | { kind: 'connected'; to: string; flash: Flash }
  /** Registered again after a rejected registration: the 302 back to the authorization server. */
  | { kind: 'restarted'; response: Response }
  /** What went wrong, for the page; `serverPath` when the person may still see the server. */
  | { kind: 'failed'; status: number; message: string; serverPath: string | null }

/**
 * Finishes a Connect or step-up for the signed-in person: the server is looked up once (and
 * only used when they may still (re)connect it), the outcome is audited, and a registration the
 * authorization server no longer accepts is redone once.
 */
export async function finishConnect(params: CallbackParams, who: { userId: string; sessionKey: string }): Promise<FinishOutcome> {
  let lookup: ReturnType<typeof findServerForMember> | null = null
  const findServer = (serverId: string) => (lookup ??= findServerForMember(serverId, who.userId))
  const result = await completeAuthorization(params, who, async (serverId) => {
    const found = await findServer(serverId)
    if (!found || found.server.authType !== 'oauth') return null
    // Only admins may (re)connect a workspace's shared connection.
    if (found.server.oauthShared && !canManageWorkspace(found.role)) return null
    return found.server
  })
  const flow = result.flow
  const found = flow ? await findServer(flow.serverId) : null
  const server = found?.server ?? null
  const audit = server ? { workspaceId: server.workspaceId, actorId: who.userId, server: { id: server.id, name: server.name } } : null
  if (result.ok) {
    const name = server?.name ?? 'the server'
    if (audit) {
      await recordAudit({
        ...audit,
        event: 'oauth.connected',
        issuer: result.issuer,
        scopes: result.scopes || null,
        detail: result.flow.shared ? 'Shared connection, used by every member' : null,
      })
      // An agent that sent the person here (URL elicitation, ADR 034) may now retry.
      await completeAgentElicitations(who.userId, audit.server.id).catch((error: unknown) => {
        logger.warn({ err: error, serverId: audit.server.id }, 'could not mark agent elicitations complete')
      })
    }
    return { kind: 'connected', to: safeRedirectPath(result.flow.returnTo, '/'), flash: { kind: 'success', message: `Connected to ${name}.` } }
  }
  if (flow && audit) {
    await recordAudit({
      ...audit,
      event: 'oauth.connect_failed',
      outcome: 'failure',
      issuer: flow.issuer,
      scopes: flow.scopes || null,
      detail: `${result.code}: ${result.message}`,
    })
  }
  // `problem`, not `code`: the logger redacts any field named code.
  logger.info({ problem: result.code, status: result.status }, 'OAuth callback refused')
  if (result.code === 'registration_rejected' && flow && server) {
    const again = await registerAgain(flow, server, who)
    if (again) return { kind: 'restarted', response: again }
  }
  return { kind: 'failed', status: result.status, message: result.message, serverPath: server ? `/w/${server.workspaceId}/servers/${server.id}` : null }
}

/**
 * The server no longer accepts Switchboard's registration (it was discarded): register again
 * and go straight back to the authorization server, once per person and server in a while
 * (after that the error is shown). Null when it did not start.
 */
async function registerAgain(
  flow: ConsumedFlow,
  server: NonNullable<Awaited<ReturnType<typeof findServerForMember>>>['server'],
  who: { userId: string; sessionKey: string },
): Promise<Response | null> {
  const key = `re-register:${server.id}:${who.userId}`
  if ((await throttleRetryAfterMs(key, RE_REGISTER_ONCE)) > 0) return null
  await recordThrottledEvent(key, RE_REGISTER_ONCE)
  const again = await startConnect({
    server,
    userId: who.userId,
    sessionKey: who.sessionKey,
    returnTo: flow.returnTo,
    purpose: flow.purpose,
    extraScopes: flow.purpose === 'step_up' ? flow.scopes.split(/\s+/).filter(Boolean) : undefined,
  })
  return again.ok ? again.response : null
}
