import { Form, Link } from '@remix-run/react'
import { ConnectForm } from '#app/components/connect-form.tsx'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import type { ServerStatus } from '#app/models/server-status.ts'
import { CLIENT_KIND_LABELS, type CONNECTION_STATUS_LABELS, OAUTH_EXCEPTIONS, type OAuthException } from '#app/oauth/rules.ts'

export type ConnectionView = {
  status: keyof typeof CONNECTION_STATUS_LABELS
  stale: boolean
  lastError: string | null
  scopes: string
  expiresAt: string | Date | null
  issuer: string
  clientKind: keyof typeof CLIENT_KIND_LABELS
  connectedAt: string | Date
  connectedByName: string | null
  hasRefreshToken: boolean
}

export type OAuthView = {
  shared: boolean
  exceptions: OAuthException[]
  /** MCP 2025-03-26 discovery found an issuer with a path on the server's origin (shown, not hidden). */
  legacyIssuer: string | null
  canConnect: boolean
  connection: ConnectionView | null
}

function formatTime(value: string | Date): string {
  return new Date(value).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
}

/**
 * The signed-in person's (or the shared) OAuth connection to one server, with what they can do.
 * `status` is the server's one status for this person (app/models/server-status.ts).
 */
export function OAuthConnectionPanel({
  oauth,
  status,
  workspaceId,
  serverId,
}: {
  oauth: OAuthView
  status: Pick<ServerStatus, 'label' | 'tone'>
  workspaceId: string
  serverId: string
}) {
  const serverPath = `/w/${workspaceId}/servers/${serverId}`
  const connection = oauth.connection
  const needsReconnect = connection !== null && (connection.status !== 'connected' || connection.stale)
  return (
    <section className="card" aria-labelledby="oauth-heading">
      <h2 id="oauth-heading">{oauth.shared ? 'Shared OAuth connection' : 'Your OAuth connection'}</h2>
      <p className="muted">
        {oauth.shared
          ? 'One sign-in, made by an admin, is used by every member of this workspace.'
          : 'Each person signs in with their own account; your tokens are used for your tool calls only.'}
      </p>
      <p>
        <ServerStatusBadge status={status} />
      </p>
      {needsReconnect ? (
        <div className="callout callout-error" role="alert">
          <p>
            {connection?.stale
              ? 'This server’s settings changed since you connected. Reconnect to use its tools.'
              : `Your sign-in is no longer valid${connection?.lastError ? `: ${connection.lastError}` : ''}. Reconnect to use its tools.`}
          </p>
        </div>
      ) : connection?.lastError ? (
        <p className="muted">Last problem: {connection.lastError}</p>
      ) : null}
      {connection ? (
        <dl className="details">
          {oauth.shared && connection.connectedByName ? (
            <>
              <dt>Connected by</dt>
              <dd>{connection.connectedByName}</dd>
            </>
          ) : null}
          <dt>Connected</dt>
          <dd>{formatTime(connection.connectedAt)}</dd>
          <dt>Granted scopes</dt>
          <dd>{connection.scopes ? connection.scopes : <span className="muted">none stated</span>}</dd>
          <dt>Access token expires</dt>
          <dd>
            {connection.expiresAt ? formatTime(connection.expiresAt) : <span className="muted">not stated</span>}
            {connection.hasRefreshToken ? <span className="muted"> (renewed automatically)</span> : null}
          </dd>
          <dt>Authorization server</dt>
          <dd className="url-cell">{connection.issuer}</dd>
          <dt>Client identity</dt>
          <dd>{CLIENT_KIND_LABELS[connection.clientKind]}</dd>
        </dl>
      ) : null}
      {oauth.exceptions.length > 0 ? (
        <div className="callout">
          <p>Rule exceptions in force for this server:</p>
          <ul>
            {oauth.exceptions.map((name) => (
              <li key={name}>{OAUTH_EXCEPTIONS[name].label}</li>
            ))}
          </ul>
          {oauth.legacyIssuer ? (
            <p>
              The authorization server at this server’s address names itself <span className="url-cell">{oauth.legacyIssuer}</span>, not the
              address itself; Switchboard accepts that for an MCP 2025-03-26 server on the same origin.
            </p>
          ) : null}
        </div>
      ) : null}
      {oauth.canConnect ? (
        <div className="actions">
          <ConnectForm
            workspaceId={workspaceId}
            serverId={serverId}
            returnTo={serverPath}
            label={connection ? 'Reconnect' : 'Connect'}
            variant={connection && !needsReconnect ? 'secondary' : 'primary'}
          />
          {connection && !needsReconnect ? (
            <Form method="post">
              <StatusButton name="intent" value="test-oauth" variant="secondary" pendingText="Testing…">
                Test
              </StatusButton>
            </Form>
          ) : null}
          {connection ? (
            // Disconnect is confirmed on its own page (works without JavaScript), not by a checkbox here.
            <Link to={`${serverPath}/disconnect`} className="button button-danger-outline">
              Disconnect…
            </Link>
          ) : null}
        </div>
      ) : (
        <p className="muted">Only an admin can connect or disconnect a shared connection.</p>
      )}
    </section>
  )
}
