import type { FieldMetadata } from '@conform-to/react'
import { Link } from '@remix-run/react'
import { CheckboxField, ErrorList, Field, SelectField } from '#app/components/forms.tsx'
import { OAuthClientFields } from '#app/components/oauth-client-fields.tsx'
import {
  AUTH_CHOICES,
  AUTH_CHOICE_LABELS,
  CREDENTIAL_KINDS,
  CREDENTIAL_KIND_LABELS,
  SERVER_TIMEOUT_MAX_SECONDS,
  TRANSPORTS,
  TRANSPORT_LABELS,
  prefillQuery,
} from '#app/servers/validation.ts'

type ServerFields = {
  name: FieldMetadata<unknown>
  url: FieldMetadata<unknown>
  transport: FieldMetadata<unknown>
  authType: FieldMetadata<unknown>
  timeoutSeconds: FieldMetadata<unknown>
  enabled: FieldMetadata<unknown>
  saveUnreachable: FieldMetadata<unknown>
  credentialKind: FieldMetadata<unknown>
}

/** The fields shared by the add and edit server forms. */
export function ServerFormFields({
  fields,
  showEnabled,
  showSaveUnreachable,
  showCredentialChoice,
  suggestedUrl,
}: {
  fields: ServerFields
  showEnabled: boolean
  showSaveUnreachable: boolean
  /** After a probe that says "needs credentials" (and authentication left to detection). */
  showCredentialChoice: boolean
  /** Nothing answered as MCP at the URL, but this address does: offered as a link that fills it in. */
  suggestedUrl?: string | null
}) {
  return (
    <>
      <Field meta={fields.name} label="Name" help="How people in this workspace will recognise it, e.g. “Linear”." />
      <Field
        meta={fields.url}
        label="MCP endpoint URL"
        type="url"
        help="The server’s MCP address, e.g. https://mcp.example.com/mcp"
      />
      {suggestedUrl ? (
        <p className="url-suggestion">
          <Link
            to={prefillQuery(suggestedUrl, {
              name: fields.name.value,
              transport: fields.transport.value,
              authType: fields.authType.value,
              timeoutSeconds: fields.timeoutSeconds.value,
            })}
            className="button button-secondary"
          >
            Use {suggestedUrl}
          </Link>
        </p>
      ) : null}
      <SelectField
        meta={fields.transport}
        label="Transport"
        options={TRANSPORTS.map((value) => ({ value, label: TRANSPORT_LABELS[value] }))}
      />
      <SelectField
        meta={fields.authType}
        label="Authentication"
        options={AUTH_CHOICES.map((value) => ({ value, label: AUTH_CHOICE_LABELS[value] }))}
      />
      {showCredentialChoice ? <CredentialChoice meta={fields.credentialKind} /> : null}
      <Field
        meta={fields.timeoutSeconds}
        label="Request timeout (seconds)"
        type="number"
        help={`How long to wait for this server, 1 to ${SERVER_TIMEOUT_MAX_SECONDS} seconds.`}
      />
      {showEnabled ? (
        <CheckboxField meta={fields.enabled} label="Enabled" help="Disabled servers stay configured but are not used." />
      ) : null}
      {showSaveUnreachable ? (
        <CheckboxField
          meta={fields.saveUnreachable}
          label="Save anyway"
          help="The connection test failed. Tick this to save the server all the same, e.g. when it is down right now."
        />
      ) : null}
    </>
  )
}

/**
 * The two ways into a server that asks for credentials without saying which kind: a plain
 * radio group, so it works without JavaScript (docs/decisions/016-needs-credentials-and-advanced-add.md).
 */
function CredentialChoice({ meta }: { meta: FieldMetadata<unknown> }) {
  const legendId = `${meta.id}-legend`
  return (
    <fieldset className="field choice" aria-describedby={meta.errors?.length ? meta.errorId : undefined} key={meta.key}>
      <legend id={legendId}>This server asks for credentials but doesn’t say which kind. How do people sign in?</legend>
      {CREDENTIAL_KINDS.map((kind) => {
        const id = `${meta.id}-${kind}`
        return (
          <div className="choice-option" key={kind}>
            <input
              type="radio"
              id={id}
              name={meta.name}
              value={kind}
              defaultChecked={meta.initialValue === kind}
              required
              aria-invalid={meta.errors?.length ? true : undefined}
              aria-describedby={`${id}-help`}
            />
            <label htmlFor={id}>{CREDENTIAL_KIND_LABELS[kind].label}</label>
            <p id={`${id}-help`} className="field-help">
              {CREDENTIAL_KIND_LABELS[kind].help}
            </p>
          </div>
        )
      })}
      <ErrorList id={meta.errorId} errors={meta.errors} />
    </fieldset>
  )
}

type AdvancedFields = {
  clientId: FieldMetadata<unknown>
  clientSecret: FieldMetadata<unknown>
  authMethod: FieldMetadata<unknown>
  scopes: FieldMetadata<unknown>
}

/**
 * The add form's Advanced section: a client registered at the authorization server and the
 * scopes to request. A native <details>, open when something in it needs attention.
 */
export function AdvancedOAuthFields({ fields, redirectUri }: { fields: AdvancedFields; redirectUri: string }) {
  const all = [fields.clientId, fields.clientSecret, fields.authMethod, fields.scopes]
  const open = all.some((meta) => Boolean(meta.errors?.length)) || Boolean(fields.clientId.initialValue || fields.scopes.initialValue)
  return (
    <details className="advanced" open={open}>
      <summary>Advanced: OAuth client and scopes</summary>
      <div className="advanced-body">
        <p className="field-help">
          Only for servers that use OAuth. Without a client, Switchboard identifies itself by its Client ID Metadata
          Document or registers itself. If you register a client at the authorization server, use the redirect URI{' '}
          <code>{redirectUri}</code>.
        </p>
        <OAuthClientFields fields={fields} secretHelp="Encrypted, never shown again. Leave empty for a public client (authentication “none”)." />
        <Field
          meta={fields.scopes}
          label="Scopes to request"
          help="Space-separated. Leave empty to use what the server asks for."
        />
      </div>
    </details>
  )
}
