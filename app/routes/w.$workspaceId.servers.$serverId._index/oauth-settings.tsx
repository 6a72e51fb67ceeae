import { type DefaultValue, type SubmissionResult, getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import { Form } from '@remix-run/react'
import type { z } from 'zod'
import { ErrorList, Field, FormErrors } from '#app/components/forms.tsx'
import { OAuthClientFields } from '#app/components/oauth-client-fields.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { OAUTH_EXCEPTIONS, OAUTH_EXCEPTION_NAMES, type OAuthException } from '#app/oauth/rules.ts'
import {
  OAuthClientFormSchema,
  OAuthExceptionFormSchema,
  OAuthScopesFormSchema,
  OAuthSharedFormSchema,
  RemoveOAuthClientFormSchema,
  removeOAuthClientIntent,
  setOAuthClientIntent,
  setOAuthExceptionIntent,
  setOAuthScopesIntent,
  setOAuthSharedIntent,
} from '#app/routes/w.$workspaceId.servers.$serverId._index/form-schema.ts'

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

/** The server page action's last reply, tagged with the intent of the form it belongs to. */
export type IntentReply = { intent: string; result: SubmissionResult<string[]> } | undefined


/** The reply for one form of the page: its intent, and (`match`) its own item of a list. */
export function replyFor(reply: IntentReply, intent: string, match?: (result: SubmissionResult<string[]>) => boolean) {
  return reply?.intent === intent && (!match || match(reply.result)) ? reply.result : undefined
}

/** A Conform form of the server page, validated by its own member of the page's intent union. */
export function usePageForm<Schema extends z.ZodType<Record<string, unknown>, Record<string, unknown>>>(
  id: string,
  schema: Schema,
  lastResult: SubmissionResult<string[]> | undefined,
  defaultValue?: DefaultValue<z.input<Schema>>,
) {
  return useForm<z.input<Schema>, z.output<Schema>>({
    id,
    lastResult,
    defaultValue,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
}

const ADVANCED_INTENTS: string[] = [setOAuthClientIntent, removeOAuthClientIntent, setOAuthScopesIntent, setOAuthSharedIntent, setOAuthExceptionIntent]

/**
 * Admin settings of an OAuth server (pre-registered client, scopes, sharing, rule exceptions),
 * folded under "Advanced": a native <details>, open when one of its forms was refused or Add sent
 * the admin here to enter a client (so the error or the focused field is in view, without JS too).
 */
export function AdvancedSettings({ settings, reply }: { settings: OAuthSettingsView; reply: IntentReply }) {
  const open = Boolean(settings.clientNeeded) || (reply !== undefined && ADVANCED_INTENTS.includes(reply.intent))
  return (
    <details className="card advanced-card" open={open}>
      <summary>
        <h2 id="oauth-settings-heading">Advanced</h2>
        <span className="muted">OAuth client, scopes, sharing and rule exceptions</span>
      </summary>
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
      <ClientForm settings={settings} reply={reply} />
      {settings.clientId ? <RemoveClientForm clientId={settings.clientId} reply={reply} /> : null}

      <h3>Scopes</h3>
      <ScopesForm scopes={settings.scopes} reply={reply} />

      <h3>Sharing</h3>
      <p>
        {settings.shared
          ? 'Shared: one connection, made by an admin, is used by every member.'
          : 'Per person: each member connects with their own account (recommended).'}
      </p>
      <SharedForm shared={settings.shared} reply={reply} />
      <p className="field-help">Switching signs everyone out of this server.</p>

      <h3>Rule exceptions</h3>
      <p className="muted">Switchboard follows the MCP authorization rules strictly. Enable an exception only for a server that needs it.</p>
      <ul className="exception-list">
        {OAUTH_EXCEPTION_NAMES.map((name) => (
          <ExceptionForm key={name} name={name} enabled={settings.exceptions.includes(name)} reply={reply} />
        ))}
      </ul>
    </details>
  )
}

function ClientForm({ settings, reply }: { settings: OAuthSettingsView; reply: IntentReply }) {
  const [form, fields] = usePageForm('oauth-client-form', OAuthClientFormSchema, replyFor(reply, setOAuthClientIntent), {
    clientId: settings.clientId ?? '',
    authMethod: settings.authMethod ?? 'client_secret_basic',
  })
  return (
    <Form method="post" className="form" {...getFormProps(form)}>
      <ErrorList id={form.errorId} errors={form.errors} />
      <OAuthClientFields
        fields={fields}
        secretHelp={settings.hasClientSecret ? 'A secret is stored. Leave empty to keep it.' : 'Leave empty for a public client.'}
        // Lands here from Add when no client can be found otherwise: works without JS (autofocus in the HTML).
        clientIdAutoFocus={Boolean(settings.clientNeeded)}
        clientIdDescribedBy={settings.clientNeeded ? 'oauth-client-needed' : undefined}
      />
      <div className="actions">
        <StatusButton name="intent" value={setOAuthClientIntent} pendingText="Saving…">
          Save client
        </StatusButton>
      </div>
    </Form>
  )
}

function RemoveClientForm({ clientId, reply }: { clientId: string; reply: IntentReply }) {
  const [form, fields] = usePageForm('oauth-remove-client-form', RemoveOAuthClientFormSchema, replyFor(reply, removeOAuthClientIntent))
  return (
    <Form method="post" className="form-row" {...getFormProps(form)}>
      <span className="field-checkbox">
        <input {...getInputProps(fields.confirm, { type: 'checkbox' })} key={fields.confirm.key} />
        <label htmlFor={fields.confirm.id}>Confirm removal of the client {clientId}</label>
      </span>
      <StatusButton name="intent" value={removeOAuthClientIntent} variant="secondary">
        Remove client
      </StatusButton>
      <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
    </Form>
  )
}

function ScopesForm({ scopes, reply }: { scopes: string | null; reply: IntentReply }) {
  const [form, fields] = usePageForm('oauth-scopes-form', OAuthScopesFormSchema, replyFor(reply, setOAuthScopesIntent), { scopes: scopes ?? '' })
  return (
    <Form method="post" className="form" {...getFormProps(form)}>
      <ErrorList id={form.errorId} errors={form.errors} />
      <Field
        meta={fields.scopes}
        label="Scopes to request"
        help="Space-separated. Leave empty to use what the server asks for (its challenge or its metadata)."
      />
      <div className="actions">
        <StatusButton name="intent" value={setOAuthScopesIntent} variant="secondary" pendingText="Saving…">
          Save scopes
        </StatusButton>
      </div>
    </Form>
  )
}

function SharedForm({ shared, reply }: { shared: boolean; reply: IntentReply }) {
  const [form] = usePageForm('oauth-shared-form', OAuthSharedFormSchema, replyFor(reply, setOAuthSharedIntent))
  return (
    <Form method="post" {...getFormProps(form)}>
      <FormErrors form={form} />
      <input type="hidden" name="shared" value={shared ? 'false' : 'true'} />
      <StatusButton name="intent" value={setOAuthSharedIntent} variant="secondary">
        {shared ? 'Use one connection per person' : 'Share one connection with every member'}
      </StatusButton>
    </Form>
  )
}

function ExceptionForm({ name, enabled, reply }: { name: OAuthException; enabled: boolean; reply: IntentReply }) {
  const mine = replyFor(reply, setOAuthExceptionIntent, (result) => result.initialValue?.exception === name)
  const [form] = usePageForm(`oauth-exception-${name}-form`, OAuthExceptionFormSchema, mine)
  return (
    <li>
      <Form method="post" className="form-row" {...getFormProps(form)}>
        <input type="hidden" name="exception" value={name} />
        <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
        <span>
          <strong>{OAUTH_EXCEPTIONS[name].label}</strong> {enabled ? <span className="badge badge-warn">in force</span> : null}
          <br />
          <span className="muted">{OAUTH_EXCEPTIONS[name].help}</span>
        </span>
        <StatusButton name="intent" value={setOAuthExceptionIntent} variant="secondary">
          {enabled ? 'Disable' : 'Enable'}
          <span className="visually-hidden"> {OAUTH_EXCEPTIONS[name].label}</span>
        </StatusButton>
        <FormErrors form={form} />
      </Form>
    </li>
  )
}
