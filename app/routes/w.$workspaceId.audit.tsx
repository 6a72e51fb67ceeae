import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { CALL_OUTCOME_TONES, formatCallDuration } from '#app/components/formats.ts'
import { ACTIVITY_KINDS, auditPage } from '#app/models/activity.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const page = await auditPage(workspace.id, new URL(request.url).searchParams)
  return {
    workspace,
    ...page,
    kinds: Object.entries(ACTIVITY_KINDS).map(([value, label]) => ({ value, label })),
    // Tool calls: who, which tool, outcome, duration. Their arguments are never read here.
    entries: page.entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      what: e.what,
      outcome: e.outcome,
      outcomeLabel: e.outcomeLabel,
      serverId: e.serverId,
      serverName: e.serverName,
      detail: e.detail,
      issuer: e.issuer,
      scopes: e.scopes,
      durationMs: e.durationMs,
      app: e.app,
      createdAt: e.createdAt.toISOString(),
      // The name keeps each line to one row; the email is in the filter's list and the CSV.
      actor: e.actorName ?? 'A deleted account',
      actorEmail: e.actorEmail,
    })),
  }
}

/** The query string of the current filters, without the paging. */
function filterQuery(filter: { actorId: string | null; serverId: string | null; kind: string | null }) {
  const query = new URLSearchParams()
  if (filter.actorId) query.set('person', filter.actorId)
  if (filter.serverId) query.set('server', filter.serverId)
  if (filter.kind) query.set('kind', filter.kind)
  return query
}

export default function AuditRoute() {
  const { workspace, entries, filter, options, kinds, nextBefore, paged } = useLoaderData<typeof loader>()
  const query = filterQuery(filter)
  const filtered = query.size > 0
  const olderQuery = new URLSearchParams(query)
  if (nextBefore) olderQuery.set('before', nextBefore)
  return (
    <div className="page">
      <div className="page-header">
        <h1>Audit log</h1>
        <a className="button button-secondary" href={`/w/${workspace.id}/audit.csv${filtered ? `?${query.toString()}` : ''}`} download>
          Download CSV{filtered ? ' (filtered)' : ''}
        </a>
      </div>
      <p className="lead">
        Changes to {workspace.name}’s servers, credentials and members, and the tools people ran. Secret values and tool arguments are never
        shown.
      </p>
      <Form method="get" className="card audit-filters" aria-label="Filter the log">
        <div className="field">
          <label htmlFor="audit-person">Person</label>
          <select id="audit-person" name="person" defaultValue={filter.actorId ?? ''}>
            <option value="">Everyone</option>
            {options.people.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-server">Server</label>
          <select id="audit-server" name="server" defaultValue={filter.serverId ?? ''}>
            <option value="">Every server</option>
            {options.servers.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-kind">Kind</label>
          <select id="audit-kind" name="kind" defaultValue={filter.kind ?? ''}>
            <option value="">Everything</option>
            {kinds.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label}
              </option>
            ))}
          </select>
        </div>
        <div className="audit-filter-actions">
          <button type="submit" className="button button-primary">
            Show
          </button>
          {filtered ? <Link to={`/w/${workspace.id}/audit`}>Clear filters</Link> : null}
        </div>
      </Form>
      {entries.length === 0 ? (
        <div className="card empty-state">
          <p>{filtered || paged ? 'Nothing matches these filters.' : 'Nothing recorded yet.'}</p>
        </div>
      ) : (
        // Focusable: on a narrow screen the table scrolls sideways, and keyboards must reach it too.
        <section className="card audit-card" aria-label="Events" tabIndex={0}>
          <table className="table audit-table">
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
              {entries.map((entry) => (
                <tr key={`${entry.kind}-${entry.id}`}>
                  <td className="audit-when">
                    <time dateTime={entry.createdAt}>{entry.createdAt.replace('T', ' ').slice(0, 19)}</time>
                  </td>
                  <td className="audit-who">{entry.actorEmail ? <span title={entry.actorEmail}>{entry.actor}</span> : entry.actor}</td>
                  <td className="audit-what">
                    {entry.kind === 'tool_call' ? (
                      <>
                        Ran <code>{entry.what}</code>
                        {entry.app ? <> via {entry.app}</> : null}
                        <CallOutcomeBadge outcome={entry.outcome} label={entry.outcomeLabel} />
                      </>
                    ) : (
                      <>
                        {entry.what}
                        {entry.outcome === 'failure' ? <span className="badge badge-error">failed</span> : null}
                      </>
                    )}
                  </td>
                  <td className="audit-server">{entry.serverName ?? '—'}</td>
                  <td className="audit-detail">
                    {entry.durationMs !== null ? `${formatCallDuration(entry.durationMs)}.` : null}
                    {entry.detail ?? ''}
                    {entry.issuer ? <span className="muted"> Authorization server: {entry.issuer}.</span> : null}
                    {entry.scopes ? <span className="muted"> Scopes: {entry.scopes}.</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="audit-pager" aria-label="Pages of the log">
            {paged ? <Link to={`/w/${workspace.id}/audit${filtered ? `?${query.toString()}` : ''}`}>Newest entries</Link> : null}
            {nextBefore ? <Link to={`/w/${workspace.id}/audit?${olderQuery.toString()}`}>Older entries</Link> : null}
          </nav>
        </section>
      )}
    </div>
  )
}

function CallOutcomeBadge({ outcome, label }: { outcome: string; label: string }) {
  return <span className={`badge badge-${CALL_OUTCOME_TONES[outcome] ?? 'neutral'}`}>{label.toLowerCase()}</span>
}

export const meta: MetaFunction = () => [{ title: 'Audit log · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
