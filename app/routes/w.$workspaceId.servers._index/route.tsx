import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useLinkListNavigation } from '#app/components/link-list.tsx'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { AUTH_TYPE_LABELS } from '#app/servers/validation.ts'
import { serverListRows } from '#app/routes/w.$workspaceId.servers._index/page-data.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  return {
    workspaceId: workspace.id,
    canManage: canManageWorkspace(role),
    servers: await serverListRows(workspace.id, user.id),
  }
}

export default function ServersRoute() {
  const { workspaceId, canManage, servers } = useLoaderData<typeof loader>()
  const followLink = useLinkListNavigation()
  return (
    <div className="page">
      <div className="page-header">
        <h1>MCP servers</h1>
        <div className="page-actions">
          <Link to={`/w/${workspaceId}/servers/import`} className="button">
            {canManage ? 'Import or export' : 'Export'}
          </Link>
          {canManage ? (
            <Link to={`/w/${workspaceId}/servers/new`} className="button button-primary">
              Add server
            </Link>
          ) : null}
        </div>
      </div>
      {servers.length === 0 ? (
        <div className="card empty-state">
          <p>No MCP servers yet.</p>
          <p className="muted">
            {canManage
              ? 'Add one by its URL: Switchboard checks how it authenticates and lists its tools.'
              : 'Ask an owner or admin of this workspace to add one.'}
          </p>
        </div>
      ) : (
        <section className="card" aria-label="Servers">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">URL</th>
                <th scope="col">Authentication</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Agents
                </th>
              </tr>
            </thead>
            {/* Plain links, followed client-side by one handler (link-list.tsx). */}
            <tbody onClick={followLink}>
              {servers.map((server) => (
                <tr key={server.id}>
                  <td>
                    <a href={`/w/${workspaceId}/servers/${server.id}`}>{server.name}</a>
                  </td>
                  <td className="url-cell">{server.url}</td>
                  <td>
                    {AUTH_TYPE_LABELS[server.authType]}
                    {server.authType === 'oauth' && server.shared ? <span className="muted"> (shared)</span> : null}
                  </td>
                  <td>
                    <ServerStatusBadge status={server.status} />
                  </td>
                  <td className="hide-narrow">
                    {server.agentPrefix ? (
                      <>
                        Offered <span className="muted">as</span> <code>{server.agentPrefix}_…</code>
                      </>
                    ) : (
                      <span className="muted">Not offered</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'MCP servers · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
