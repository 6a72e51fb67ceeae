import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { listMembers, requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { ROLE_LABELS, canManageWorkspace } from '#app/utils/permissions.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const members = await listMembers(workspace.id)
  return { workspace, role, memberCount: members.length }
}

export default function WorkspaceOverviewRoute() {
  const { workspace, role, memberCount } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <h1>{workspace.name}</h1>
      <p className="lead">
        {workspace.personal ? 'Your personal workspace. ' : ''}
        Your role here: {ROLE_LABELS[role].toLowerCase()}.
      </p>
      <section className="card" aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <p>
          {memberCount === 1 ? 'Only you so far.' : `${memberCount} people share this workspace.`}{' '}
          <Link to="members">{canManageWorkspace(role) ? 'Manage members' : 'See members'}</Link>
        </p>
      </section>
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.workspace.name} · Switchboard` : 'Switchboard' },
]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
