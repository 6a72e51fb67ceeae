import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { HealthChart } from '#app/components/health-chart.tsx'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { requireMembership } from '#app/models/workspace.server.ts'
import { AgentPanel } from '#app/routes/w.$workspaceId._index/agent-panel.tsx'
import { overviewData } from '#app/routes/w.$workspaceId._index/page-data.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { ROLE_LABELS, canManageWorkspace } from '#app/utils/permissions.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  return { workspace, role, canManage: canManageWorkspace(role), ...(await overviewData(workspace, user.id)) }
}


export default function WorkspaceOverviewRoute() {
  const { workspace, role, canManage, servers, memberCount, agent } = useLoaderData<typeof loader>()
  const base = `/w/${workspace.id}`
  return (
    <div className="page">
      <h1>{workspace.name}</h1>
      <p className="lead">
        {workspace.personal ? 'Your personal workspace. ' : ''}
        Your role here: {ROLE_LABELS[role].toLowerCase()}.
      </p>
      {servers.length === 0 ? (
        <section className="card overview-start" aria-labelledby="start-heading">
          <h2 id="start-heading">{canManage ? 'Add your first server' : 'No servers yet'}</h2>
          {canManage ? (
            <>
              <p>
                Give Switchboard the URL of a remote MCP server. It checks how the server signs people in and lists its tools, so everyone
                here can use them.
              </p>
              <p>
                <Link to={`${base}/servers/new`} className="button button-primary">
                  Add your first server
                </Link>
              </p>
            </>
          ) : (
            <p>This workspace has no MCP servers yet. An owner or admin adds them; once they do, you will find them here.</p>
          )}
        </section>
      ) : (
        <section className="card" aria-labelledby="servers-heading">
          <div className="overview-heading">
            <h2 id="servers-heading">Servers</h2>
            <p className="overview-links">
              <Link to={`${base}/tools`}>All tools</Link>
              {canManage ? <Link to={`${base}/servers/new`}>Add server</Link> : null}
            </p>
          </div>
          <ul className="overview-servers">
            {servers.map((server) => (
              <li key={server.id} className="overview-server">
                <div className="overview-server-name">
                  <h3>
                    <Link to={`${base}/servers/${server.id}`}>{server.name}</Link>
                  </h3>
                  <p className="overview-status">
                    <ServerStatusBadge status={server.status} />
                  </p>
                  <p className="muted overview-tools">
                    {server.toolCount === null ? (
                      'Tools not listed yet'
                    ) : (
                      <Link to={`${base}/tools?server=${server.id}`}>{server.toolCount === 1 ? '1 tool' : `${server.toolCount} tools`}</Link>
                    )}
                  </p>
                </div>
                <HealthChart samples={server.health} label={`Recent calls to ${server.name}`} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <AgentPanel agent={agent} canManage={canManage} serversHref={`${base}/servers`} />
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
