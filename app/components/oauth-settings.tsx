import { Form } from '@remix-run/react'
import { StatusButton } from '#app/components/status-button.tsx'
import { OAUTH_EXCEPTIONS, OAUTH_EXCEPTION_NAMES, type OAuthException, TOKEN_AUTH_METHODS } from '#app/oauth/rules.ts'
import { OAUTH_CLIENT_ID_MAX_LENGTH, OAUTH_CLIENT_SECRET_MAX_LENGTH, OAUTH_SCOPES_MAX_LENGTH } from '#app/utils/server-validation.ts'

export type OAuthSettingsView = {
  clientId: string | null
  hasClientSecret: boolean
  authMethod: string | null
  scopes: string | null
  shared: boolean
  exceptions: OAuthException[]
  redirectUri: string
  clientMetadataUrl: string | null
  /** Why a client must be entered before anyone can connect (after Add); focuses the client fields. */
  clientNeeded?: string | null
}

/** What the last OAuth settings submission said (to show errors without losing what was typed). */
export type OAuthSettingsReply = { intent: string; error: string; values: Record<string, string> } | undefined

export const AUTH_METHOD_LABELS: Record<(typeof TOKEN_AUTH_METHODS)[number], string> = {
  client_secret_basic: 'client_secret_basic (HTTP Basic)',
  client_secret_post: 'client_secret_post (in the request body)',
  none: 'none (public client, no secret)',
}

/** Admin settings of an OAuth server: pre-registered client, scopes, sharing, rule exceptions. */
export function OAuthSettings({ settings, reply }: { settings: OAuthSettingsView; reply: OAuthSettingsReply }) {
  const clientReply = reply?.intent === 'set-oauth-client' ? reply : undefined
  const scopesReply = reply?.intent === 'set-oauth-scopes' ? reply : undefined
  return (
    <section className="card" aria-labelledby="oauth-settings-heading">
      <h2 id="oauth-settings-heading">OAuth settings</h2>
      <p>
        Redirect URI (register it when you create a client at the authorization server): <code>{settings.redirectUri}</code>
      </p>
      {settings.clientMetadataUrl ? (
        <p className="muted">
          Client ID Metadata Document (used where the authorization server supports it): <code>{settings.clientMetadataUrl}</code>
        </p>
      ) : null}

      <h3 id="oauth-client">Pre-registered client</h3>
      {settings.clientNeeded ? (
        <p className="callout callout-info" id="oauth-client-needed">
          {settings.clientNeeded}
        </p>
      ) : null}
      <p className="muted">
        Optional. Without one, Switchboard identifies itself by its Client ID Metadata Document or registers itself
        (Dynamic Client Registration). The secret is encrypted and never shown again. Changing the client signs everyone
        out of this server.
      </p>
      <Form method="post" className="form" aria-describedby={clientReply ? 'oauth-client-error' : undefined}>
        {clientReply ? (
          <p id="oauth-client-error" className="error-list" role="alert">
            {clientReply.error}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="oauth-client-id">Client ID</label>
          <input
            id="oauth-client-id"
            type="text"
            name="clientId"
            required
            maxLength={OAUTH_CLIENT_ID_MAX_LENGTH}
            autoComplete="off"
            // Lands here from Add when no client can be found otherwise: works without JS (autofocus in the HTML).
            autoFocus={Boolean(settings.clientNeeded)}
            aria-describedby={settings.clientNeeded ? 'oauth-client-needed' : undefined}
            defaultValue={clientReply?.values.clientId ?? settings.clientId ?? ''}
          />
        </div>
        <div className="field">
          <label htmlFor="oauth-client-secret">Client secret</label>
          <input id="oauth-client-secret" name="clientSecret" type="password" maxLength={OAUTH_CLIENT_SECRET_MAX_LENGTH} autoComplete="off" aria-describedby="oauth-client-secret-help" />
          <p id="oauth-client-secret-help" className="field-help">
            {settings.hasClientSecret ? 'A secret is stored. Leave empty to keep it.' : 'Leave empty for a public client.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor="oauth-auth-method">Token endpoint authentication</label>
          <select id="oauth-auth-method" name="authMethod" defaultValue={clientReply?.values.authMethod ?? settings.authMethod ?? 'client_secret_basic'}>
            {TOKEN_AUTH_METHODS.map((method) => (
              <option key={method} value={method}>
                {AUTH_METHOD_LABELS[method]}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <StatusButton name="intent" value="set-oauth-client" pendingText="Saving…">
            Save client
          </StatusButton>
        </div>
      </Form>
      {settings.clientId ? (
        <Form method="post" className="form-row">
          <span className="field-checkbox">
            <input id="oauth-remove-client-confirm" type="checkbox" name="confirm" value="on" required />
            <label htmlFor="oauth-remove-client-confirm">Confirm removal of the client {settings.clientId}</label>
          </span>
          <StatusButton name="intent" value="remove-oauth-client" variant="secondary">
            Remove client
          </StatusButton>
        </Form>
      ) : null}

      <h3>Scopes</h3>
      <Form method="post" className="form">
        {scopesReply ? (
          <p className="error-list" role="alert">
            {scopesReply.error}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="oauth-scopes">Scopes to request</label>
          <input id="oauth-scopes" type="text" name="scopes" maxLength={OAUTH_SCOPES_MAX_LENGTH} defaultValue={scopesReply?.values.scopes ?? settings.scopes ?? ''} aria-describedby="oauth-scopes-help" />
          <p id="oauth-scopes-help" className="field-help">
            Space-separated. Leave empty to use what the server asks for (its challenge or its metadata).
          </p>
        </div>
        <div className="actions">
          <StatusButton name="intent" value="set-oauth-scopes" variant="secondary" pendingText="Saving…">
            Save scopes
          </StatusButton>
        </div>
      </Form>

      <h3>Sharing</h3>
      <p>
        {settings.shared
          ? 'Shared: one connection, made by an admin, is used by every member.'
          : 'Per person: each member connects with their own account (recommended).'}
      </p>
      <Form method="post">
        <input type="hidden" name="shared" value={settings.shared ? 'false' : 'true'} />
        <StatusButton name="intent" value="set-oauth-shared" variant="secondary">
          {settings.shared ? 'Use one connection per person' : 'Share one connection with every member'}
        </StatusButton>
      </Form>
      <p className="field-help">Switching signs everyone out of this server.</p>

      <h3>Rule exceptions</h3>
      <p className="muted">Switchboard follows the MCP authorization rules strictly. Enable an exception only for a server that needs it.</p>
      <ul className="exception-list">
        {OAUTH_EXCEPTION_NAMES.map((name) => {
          const enabled = settings.exceptions.includes(name)
          return (
            <li key={name}>
              <Form method="post" className="form-row">
                <input type="hidden" name="exception" value={name} />
                <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
                <span>
                  <strong>{OAUTH_EXCEPTIONS[name].label}</strong> {enabled ? <span className="badge badge-warn">in force</span> : null}
                  <br />
                  <span className="muted">{OAUTH_EXCEPTIONS[name].help}</span>
                </span>
                <StatusButton name="intent" value="set-oauth-exception" variant="secondary">
                  {enabled ? 'Disable' : 'Enable'}
                  <span className="visually-hidden"> {OAUTH_EXCEPTIONS[name].label}</span>
                </StatusButton>
              </Form>
            </li>
          )
        })}
      </ul>
    </section>
  )
}
