import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ProbeBadge } from '#app/components/server-status.tsx'
import { type ConnectionInfo, SHARED_OWNER, listConnectionsOf, ownerKeyFor } from '#app/oauth/store/connections.server.ts'
import { listServerRows } from '#app/models/server.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { AUTH_TYPE_LABELS } from '#app/utils/server-validation.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const servers = await listServerRows(workspace.id)
  // The signed-in person's OAuth connections (their own, or the shared one), one query for the page.
  const oauthServers = servers.filter((s) => s.authType === 'oauth')
  const connections = await listConnectionsOf(
    oauthServers.map((s) => s.id),
    [user.id, SHARED_OWNER],
  )
  const connectionOf = (server: (typeof servers)[number]) =>
    connections.find((c) => c.serverId === server.id && c.ownerKey === ownerKeyFor(user.id, server.oauthShared)) ?? null
  return {
    workspace,
    canManage: canManageWorkspace(role),
    servers: servers.map((s) => ({
      id: s.id,
      name: s.name,
      url: s.url,
      authType: s.authType,
      enabled: s.enabled,
      probeOutcome: s.probeOutcome,
      probedAt: s.probedAt,
      oauth:
        s.authType === 'oauth'
          ? { shared: s.oauthShared, status: connectionStatus(connectionOf(s), s.configVersion) }
          : null,
    })),
  }
}

function connectionStatus(connection: ConnectionInfo | null, configVersion: number): 'connected' | 'reconnect' | 'not_connected' {
  if (!connection) return 'not_connected'
  return connection.status === 'connected' && connection.configVersion === configVersion ? 'connected' : 'reconnect'
}

const CONNECTION_LABELS = { connected: 'Connected', reconnect: 'Reconnect needed', not_connected: 'Not connected' } as const

export default function ServersRoute() {
  const { workspace, canManage, servers } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <div className="page-header">
        <h1>MCP servers</h1>
        {canManage ? (
          <Link to={`/w/${workspace.id}/servers/new`} className="button button-primary">
            Add server
          </Link>
        ) : null}
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
              </tr>
            </thead>
            <tbody>
              {servers.map((server) => (
                <tr key={server.id}>
                  <td>
                    <Link to={`/w/${workspace.id}/servers/${server.id}`}>{server.name}</Link>
                  </td>
                  <td className="url-cell">{server.url}</td>
                  <td>
                    {AUTH_TYPE_LABELS[server.authType]}
                    {server.oauth ? (
                      <>
                        {' '}
                        <span className={`badge ${server.oauth.status === 'connected' ? 'badge-ok' : 'badge-warn'}`}>
                          {server.oauth.shared ? 'Shared: ' : ''}
                          {CONNECTION_LABELS[server.oauth.status]}
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {server.enabled ? <ProbeBadge outcome={server.probeOutcome} /> : <span className="badge">Disabled</span>}
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
