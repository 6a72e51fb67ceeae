// Where authorization servers send the browser back. Checks state and iss, exchanges the code,
// stores the tokens and lands on the saved page with "Connected to X"; otherwise a page that
// says what happened and what to do. Never cached, never sends a Referer, never logs the query.
import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { recordAudit } from '#app/models/audit.server.ts'
import { startConnect } from '#app/oauth/connect.server.ts'
import { findServerForMember } from '#app/models/server.server.ts'
import { getUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { logger } from '#app/utils/logger.server.ts'
import { completeAuthorization } from '#app/oauth/callback.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { safeRedirectPath } from '#app/utils/redirect.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'

/** A rejected registration is redone automatically at most once per person and server in this window. */
const RE_REGISTER_ONCE = { limit: 1, windowMs: 10 * 60 * 1000 }

const PRIVATE_HEADERS = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }

export const headers: HeadersFunction = () => PRIVATE_HEADERS

export async function loader({ request }: LoaderFunctionArgs) {
  const query = new URL(request.url).searchParams
  const user = await getUser(request)
  const session = user ? await getActiveSession(request) : null
  if (!user || !session) {
    return data(
      { message: 'You are not signed in to Switchboard (your session may have ended). Sign in, then press Connect again.', serverPath: null, signIn: true },
      { status: 401, headers: PRIVATE_HEADERS },
    )
  }
  const result = await completeAuthorization(
    {
      state: query.get('state'),
      code: query.get('code'),
      iss: query.get('iss'),
      error: query.get('error'),
      errorDescription: query.get('error_description'),
    },
    { userId: user.id, sessionKey: session.sessionKey },
    async (serverId) => {
      const found = await findServerForMember(serverId, user.id)
      if (!found || found.server.authType !== 'oauth') return null
      // Only admins may (re)connect a workspace's shared connection.
      if (found.server.oauthShared && !canManageWorkspace(found.role)) return null
      return found.server
    },
  )
  if (result.ok) {
    const found = await findServerForMember(result.flow.serverId, user.id)
    const name = found?.server.name ?? 'the server'
    if (found) {
      await recordAudit({
        workspaceId: found.server.workspaceId,
        actorId: user.id,
        server: { id: found.server.id, name },
        event: 'oauth.connected',
        issuer: result.issuer,
        scopes: result.scopes || null,
        detail: result.flow.shared ? 'Shared connection, used by every member' : null,
      })
    }
    return redirectWithFlash(safeRedirectPath(result.flow.returnTo, '/'), { kind: 'success', message: `Connected to ${name}.` }, { headers: PRIVATE_HEADERS })
  }
  const flow = result.flow
  const found = flow ? await findServerForMember(flow.serverId, user.id) : null
  if (flow && found) {
    await recordAudit({
      workspaceId: found.server.workspaceId,
      actorId: user.id,
      server: { id: found.server.id, name: found.server.name },
      event: 'oauth.connect_failed',
      outcome: 'failure',
      issuer: flow.issuer,
      scopes: flow.scopes || null,
      detail: `${result.code}: ${result.message}`,
    })
  }
  // `problem`, not `code`: the logger redacts any field named code.
  logger.info({ problem: result.code, status: result.status }, 'OAuth callback refused')
  // The server no longer accepts Switchboard's registration: it was discarded; register again
  // and go straight back to the authorization server, once (then the error is shown).
  if (result.code === 'registration_rejected' && flow && found) {
    const key = `re-register:${found.server.id}:${user.id}`
    if ((await throttleRetryAfterMs(key, RE_REGISTER_ONCE)) === 0) {
      await recordThrottledEvent(key, RE_REGISTER_ONCE)
      const again = await startConnect({
        server: found.server,
        userId: user.id,
        sessionKey: session.sessionKey,
        returnTo: flow.returnTo,
        purpose: flow.purpose,
        extraScopes: flow.purpose === 'step_up' ? flow.scopes.split(/\s+/).filter(Boolean) : undefined,
      })
      if (again.ok) {
        for (const [name, value] of Object.entries(PRIVATE_HEADERS)) again.response.headers.set(name, value)
        return again.response
      }
    }
  }
  return data(
    {
      message: result.message,
      serverPath: found ? `/w/${found.server.workspaceId}/servers/${found.server.id}` : null,
      signIn: false,
    },
    { status: result.status, headers: PRIVATE_HEADERS },
  )
}

export default function OAuthCallbackRoute() {
  const { message, serverPath, signIn } = useLoaderData<typeof loader>()
  return (
    <div className="page narrow">
      <h1>Could not connect</h1>
      <div className="callout callout-error" role="alert">
        <p>{message}</p>
      </div>
      <p>
        {signIn ? (
          <Link to="/login">Sign in</Link>
        ) : serverPath ? (
          <Link to={serverPath}>Back to the server</Link>
        ) : (
          <Link to="/">Back to Switchboard</Link>
        )}
      </p>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Could not connect · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
