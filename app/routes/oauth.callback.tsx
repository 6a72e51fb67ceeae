// Where authorization servers send the browser back. Checks state and iss, exchanges the code,
// stores the tokens and lands on the saved page with "Connected to X"; otherwise a page that
// says what happened and what to do. Never cached, never sends a Referer, never logs the query.
import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { PRIVATE_HEADERS } from '#app/oauth/connect.server.ts'
import { finishConnect } from '#app/oauth/finish-connect.server.ts'
import { getUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { getActiveSession } from '#app/utils/session.server.ts'

export const headers: HeadersFunction = () => PRIVATE_HEADERS

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request)
  const session = user ? await getActiveSession(request) : null
  if (!user || !session) {
    return data(
      { message: 'You are not signed in to Switchboard (your session may have ended). Sign in, then press Connect again.', serverPath: null, signIn: true },
      { status: 401, headers: PRIVATE_HEADERS },
    )
  }
  const query = new URL(request.url).searchParams
  const outcome = await finishConnect(
    {
      state: query.get('state'),
      code: query.get('code'),
      iss: query.get('iss'),
      error: query.get('error'),
      errorDescription: query.get('error_description'),
    },
    { userId: user.id, sessionKey: session.sessionKey },
  )
  if (outcome.kind === 'connected') return redirectWithFlash(outcome.to, outcome.flash, { headers: PRIVATE_HEADERS })
  if (outcome.kind === 'restarted') return outcome.response
  return data({ message: outcome.message, serverPath: outcome.serverPath, signIn: false }, { status: outcome.status, headers: PRIVATE_HEADERS })
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
