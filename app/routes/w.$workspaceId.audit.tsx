import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { auditLabel, listAuditEvents } from '#app/models/audit.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const before = new URL(request.url).searchParams.get('before')
  const { events, hasMore } = await listAuditEvents(workspace.id, before)
  return {
    workspace,
    hasMore,
    events: events.map((e) => ({
      id: e.id,
      label: auditLabel(e.event),
      outcome: e.outcome,
      serverId: e.serverId,
      serverName: e.serverName,
      detail: e.detail,
      issuer: e.issuer,
      scopes: e.scopes,
      createdAt: e.createdAt,
      actor: e.actor ? `${e.actor.name} (${e.actor.email})` : 'A deleted account',
    })),
  }
}

export default function AuditRoute() {
  const { workspace, events, hasMore } = useLoaderData<typeof loader>()
  const last = events.at(-1)
  return (
    <div className="page">
      <h1>Audit log</h1>
      <p className="lead">Changes to {workspace.name}’s servers, credentials and members. Secret values are never recorded.</p>
      {events.length === 0 ? (
        <div className="card empty-state">
          <p>Nothing recorded yet.</p>
        </div>
      ) : (
        <section className="card" aria-label="Events">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Server</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>
                    <time dateTime={new Date(event.createdAt).toISOString()}>
                      {new Date(event.createdAt).toISOString().replace('T', ' ').slice(0, 19)}
                    </time>
                  </td>
                  <td>{event.actor}</td>
                  <td>
                    {event.label}
                    {event.outcome === 'failure' ? <span className="badge badge-error">failed</span> : null}
                  </td>
                  <td>{event.serverName ?? '—'}</td>
                  <td className="audit-detail">
                    {event.detail ?? ''}
                    {event.issuer ? <span className="muted"> Authorization server: {event.issuer}.</span> : null}
                    {event.scopes ? <span className="muted"> Scopes: {event.scopes}.</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {hasMore && last ? (
            <p>
              <Link to={`?before=${encodeURIComponent(last.id)}`}>Older events</Link>
            </p>
          ) : null}
        </section>
      )}
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Audit log · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
