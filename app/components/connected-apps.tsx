// "Connected apps" as a person and a workspace's admins see them: a table of the apps allowed at the workspace's
// MCP endpoints, and the confirmation (a page state, `?revoke=<grant>`, so it works without JavaScript) before one
// is revoked. Shared by app/routes/account_.connected-apps.tsx and app/routes/w.$workspaceId.connected-apps.tsx.
import { Form, Link } from '@remix-run/react'
import { z } from 'zod'
import { formatUtc } from '#app/components/formats.ts'
import { StatusButton } from '#app/components/status-button.tsx'

export const revokeAppIntent = 'revoke-app'

/** The revoke form (posted from the confirmation); the grant is found with its owner in the query, never trusted. */
export const RevokeAppFormSchema = z.object({
  intent: z.literal(revokeAppIntent),
  grantId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'Unknown app' }),
})

/** The query parameter that asks for the confirmation of one revocation. */
export const REVOKE_PARAM = 'revoke'

/** A connected app as loader data (dates as ISO text). */
export type ConnectedAppView = {
  grantId: string
  clientName: string
  verified: boolean
  redirectHost: string
  workspace: { id: string; name: string }
  endpoint: { kind: 'workspace' } | { kind: 'server'; serverId: string; serverName: string | null }
  person: { id: string; name: string; email: string }
  createdAt: string
  lastUsedAt: string | null
}

/** Loader data of one app: the model's row with dates as text (no token, no secret: there are none in it). */
export function toAppView(app: {
  grantId: string
  clientName: string
  verified: boolean
  redirectHost: string
  workspace: { id: string; name: string }
  endpoint: ConnectedAppView['endpoint']
  person: { id: string; name: string; email: string }
  createdAt: Date
  lastUsedAt: Date | null
}): ConnectedAppView {
  return {
    grantId: app.grantId,
    clientName: app.clientName,
    verified: app.verified,
    redirectHost: app.redirectHost,
    workspace: app.workspace,
    endpoint: app.endpoint,
    person: app.person,
    createdAt: app.createdAt.toISOString(),
    lastUsedAt: app.lastUsedAt?.toISOString() ?? null,
  }
}

function endpointText(app: ConnectedAppView, withWorkspace: boolean): string {
  const where = app.endpoint.kind === 'workspace' ? 'all servers' : `only ${app.endpoint.serverName ?? 'a deleted server'}`
  return withWorkspace ? `${app.workspace.name}: ${where}` : where.charAt(0).toUpperCase() + where.slice(1)
}

/** The identity line: a verified metadata document, or an app that registered itself (its name is its own claim). */
function Identity({ app }: { app: ConnectedAppView }) {
  return (
    <span className="app-identity">
      {app.verified ? <span className="badge badge-ok">verified</span> : <span className="badge">self-registered</span>}{' '}
      <span className="muted">redirects to {app.redirectHost}</span>
    </span>
  )
}

/**
 * The table of apps. `showPerson`: the admin's view across the workspace; `showWorkspace`: the person's view
 * across their workspaces. Each row links to its revocation confirmation on the same page.
 */
export function ConnectedAppsTable({
  apps,
  showPerson,
  showWorkspace,
}: {
  apps: ConnectedAppView[]
  showPerson: boolean
  showWorkspace: boolean
}) {
  return (
    <section className="card audit-card connected-apps" aria-label="Connected apps" tabIndex={0}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">App</th>
            {showPerson ? <th scope="col">Person</th> : null}
            <th scope="col">{showWorkspace ? 'Workspace and servers' : 'Servers'}</th>
            <th scope="col" className="hide-narrow">
              Since
            </th>
            <th scope="col">Last used</th>
            <th scope="col" className="hide-narrow">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {apps.map((app) => (
            <tr key={app.grantId}>
              <td>
                <strong>{app.clientName}</strong>
                <br />
                <Identity app={app} />
                {/* On a phone the actions column is hidden and Revoke comes here, in view without scrolling sideways. */}
                <span className="show-narrow">
                  <RevokeLink app={app} showPerson={showPerson} />
                </span>
              </td>
              {showPerson ? (
                <td>
                  <span title={app.person.email}>{app.person.name}</span>
                </td>
              ) : null}
              <td>{endpointText(app, showWorkspace)}</td>
              <td className="hide-narrow">
                <time dateTime={app.createdAt}>{formatUtc(app.createdAt)}</time>
              </td>
              <td>{app.lastUsedAt ? <time dateTime={app.lastUsedAt}>{formatUtc(app.lastUsedAt)}</time> : 'Not yet'}</td>
              <td className="hide-narrow">
                <RevokeLink app={app} showPerson={showPerson} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function RevokeLink({ app, showPerson }: { app: ConnectedAppView; showPerson: boolean }) {
  return (
    <Link
      to={`?${REVOKE_PARAM}=${encodeURIComponent(app.grantId)}#confirm-revoke`}
      className="button button-danger-outline"
      aria-label={`Revoke ${app.clientName}${showPerson ? ` of ${app.person.name}` : ''}, connected ${formatUtc(app.createdAt)}`}
    >
      Revoke
    </Link>
  )
}

/** The confirmation of one revocation: what stops working, then the POST form, or back. */
export function ConfirmRevoke({ app, backTo, showPerson }: { app: ConnectedAppView; backTo: string; showPerson: boolean }) {
  return (
    <section className="card" aria-labelledby="revoke-heading" id="confirm-revoke">
      <h2 id="revoke-heading">Revoke {app.clientName}?</h2>
      <p>
        {showPerson ? `${app.person.name}’s` : 'Your'} {app.clientName} can no longer use {app.workspace.name}’s servers: its next request is refused
        and it must ask for access again. Sign-ins to the servers themselves stay.
      </p>
      <p>
        <Identity app={app} />
      </p>
      <Form method="post" action={backTo} className="actions">
        <input type="hidden" name="grantId" value={app.grantId} />
        <StatusButton name="intent" value={revokeAppIntent} variant="danger" pendingText="Revoking…">
          Revoke {app.clientName}
        </StatusButton>
        <Link to={backTo} className="button button-secondary">
          Cancel
        </Link>
      </Form>
    </section>
  )
}

/** What Connected apps are, and where an app connects: the empty state of both pages. */
export function ConnectedAppsIntro({ endpoints }: { endpoints: Array<{ workspaceName: string; url: string; overview: string }> }) {
  return (
    <>
      <p>
        An app you allow (Claude Code, VS Code, Cursor, or any MCP client) uses the workspace’s servers as you, with your own sign-ins, through
        one address. You allow it once in your browser when it first connects; you can revoke it here at any time.
      </p>
      <p>To connect one, add this address to the app as a remote (HTTP) MCP server:</p>
      <ul className="endpoint-list">
        {endpoints.map((endpoint) => (
          <li key={endpoint.url}>
            {endpoints.length > 1 ? <>{endpoint.workspaceName}: </> : null}
            <code className="url-cell">{endpoint.url}</code> <Link to={endpoint.overview}>How to add it</Link>
          </li>
        ))}
      </ul>
    </>
  )
}
