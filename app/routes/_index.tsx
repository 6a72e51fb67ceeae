import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link } from '@remix-run/react'
import { homeWorkspaceId } from '#app/models/workspace.server.ts'
import { getUser } from '#app/utils/auth.server.ts'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request)
  if (!user) return null
  const workspaceId = await homeWorkspaceId(user.id, user.lastWorkspaceId)
  throw redirect(workspaceId ? `/w/${workspaceId}` : '/workspaces/new')
}

export default function IndexRoute() {
  return (
    <div className="page hero">
      <h1>Connect your team to remote MCP servers</h1>
      <p className="lead">
        Switchboard keeps your workspace’s list of MCP servers, signs in to them with OAuth or API keys, and lets
        everyone on the team browse and run their tools — with credentials kept per person and encrypted at rest.
      </p>
      <p className="actions">
        <Link to="/signup" className="button button-primary">
          Create an account
        </Link>
        <Link to="/login" className="button button-secondary">
          Sign in
        </Link>
      </p>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
