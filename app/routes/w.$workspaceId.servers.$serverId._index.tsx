import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { OAuthConnectionPanel } from '#app/components/oauth-panel.tsx'
import { OAuthSettings } from '#app/components/oauth-settings.tsx'
import { ProbeBadge } from '#app/components/server-status.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import {
  HeaderLimitError,
  loadEndpoint,
  recordProbe,
  removeServerHeader,
  requireServer,
  setOAuthClient,
  setOAuthException,
  setOAuthScopes,
  setOAuthShared,
  setServerEnabled,
  setServerHeader,
} from '#app/models/server.server.ts'
import { getConnectionInfo, ownerKeyFor } from '#app/models/oauth-store.server.ts'
import { listServerTools } from '#app/models/tools.server.ts'
import { CLIENT_NEEDED_MESSAGE, CLIENT_NEEDED_PARAM } from '#app/models/server-form.server.ts'
import { lastDiscoveredIssuer } from '#app/utils/oauth-discovery.server.ts'
import { legacyIssuerWithPath } from '#app/utils/oauth-metadata.server.ts'
import { OAUTH_EXCEPTIONS, isOAuthException, parseOAuthExceptions } from '#app/utils/oauth-exceptions.ts'
import { clientMetadataUrl, redirectUri } from '#app/utils/oauth-client-identity.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { probeMcpServer } from '#app/utils/mcp-probe.server.ts'
import { getSessionPool } from '#app/utils/mcp-sessions.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import {
  AUTH_TYPE_LABELS,
  CLIENT_SECRET_MISSING_MESSAGE,
  HeaderNameSchema,
  HeaderValueSchema,
  OAuthClientFormSchema,
  OAuthScopesSchema,
  TRANSPORT_LABELS,
  isClientSecretMissing,
  normalizeScopes,
} from '#app/utils/server-validation.ts'

const testIntent = 'test-connection'
const enableIntent = 'set-enabled'
const setHeaderIntent = 'set-header'
const removeHeaderIntent = 'remove-header'

const SetHeaderFormSchema = z.object({
  intent: z.literal(setHeaderIntent),
  headerName: HeaderNameSchema,
  headerValue: HeaderValueSchema,
})
const RemoveHeaderFormSchema = z.object({
  intent: z.literal(removeHeaderIntent),
  headerId: z.string().min(1).max(64),
  confirm: z.literal('on', { error: 'Tick the box to confirm' }),
})
const EnableFormSchema = z.object({ intent: z.literal(enableIntent), enabled: z.enum(['true', 'false']) })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const canManage = canManageWorkspace(role)
  const isOAuth = server.authType === 'oauth'
  const connection = isOAuth ? await getConnectionInfo(server.id, ownerKeyFor(user.id, server.oauthShared)) : null
  const exceptions = parseOAuthExceptions(server.oauthExceptions)
  const discoveredIssuer = isOAuth && exceptions.includes('legacy_discovery') ? await lastDiscoveredIssuer(server.id) : null
  return {
    workspace,
    canManage,
    oauth: isOAuth
      ? {
          shared: server.oauthShared,
          exceptions,
          legacyIssuer: discoveredIssuer && legacyIssuerWithPath(server.url, discoveredIssuer) ? discoveredIssuer : null,
          canConnect: server.enabled && (!server.oauthShared || canManage),
          connection: connection
            ? {
                status: connection.status,
                stale: connection.configVersion !== server.configVersion,
                lastError: connection.lastError,
                scopes: connection.scopes,
                expiresAt: connection.expiresAt,
                issuer: connection.issuer,
                clientKind: connection.clientKind,
                connectedAt: connection.connectedAt,
                connectedByName: connection.connectedByName,
                hasRefreshToken: connection.hasRefreshToken,
              }
            : null,
        }
      : null,
    oauthSettings:
      canManage && (isOAuth || server.oauthClientId)
        ? {
            clientId: server.oauthClientId,
            hasClientSecret: server.hasOAuthClientSecret,
            authMethod: server.oauthTokenAuthMethod,
            scopes: server.oauthScopes,
            shared: server.oauthShared,
            exceptions,
            redirectUri: redirectUri(),
            clientMetadataUrl: clientMetadataUrl(),
            // Add sends people here (?client=needed) when no client can be found otherwise.
            clientNeeded:
              new URL(request.url).searchParams.get('client') === CLIENT_NEEDED_PARAM && !server.oauthClientId ? CLIENT_NEEDED_MESSAGE : null,
          }
        : null,
    server: {
      id: server.id,
      name: server.name,
      url: server.url,
      transport: server.transport,
      authType: server.authType,
      authTypeLocked: server.authTypeLocked,
      timeoutMs: server.timeoutMs,
      enabled: server.enabled,
      createdByName: server.createdByName,
      createdAt: server.createdAt,
      probedAt: server.probedAt,
      probeOutcome: server.probeOutcome,
      probeMessage: server.probeMessage,
      probeTransport: server.probeTransport,
      probeToolCount: server.probeToolCount,
      probeServerName: server.probeServerName,
      // Names only: header values are write-only.
      headers: server.headers.map((h) => ({ id: h.id, name: h.name, updatedAt: h.updatedAt })),
    },
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const formData = await request.formData()
  const intent = formData.get('intent')
  const here = `/w/${workspace.id}/servers/${server.id}`
  const audit = { workspaceId: workspace.id, actorId: user.id, server: { id: server.id, name: server.name } }

  // Any member may test their own OAuth connection; everything else is for admins.
  if (intent === 'test-oauth') {
    const outcome = await listServerTools(user.id, server)
    return redirectWithFlash(here, {
      kind: outcome.ok ? 'success' : 'error',
      message: outcome.ok
        ? `The connection works: ${server.name} lists ${outcome.value.length} tool${outcome.value.length === 1 ? '' : 's'}.`
        : outcome.failure.message,
    })
  }
  if (!canManageWorkspace(role)) throw new Response('Only owners and admins can change servers', { status: 403 })

  if (intent === 'set-oauth-client') {
    const values = { clientId: String(formData.get('clientId') ?? ''), authMethod: String(formData.get('authMethod') ?? '') }
    const parsed = OAuthClientFormSchema.safeParse({
      clientId: formData.get('clientId') ?? '',
      clientSecret: formData.get('clientSecret') || undefined,
      authMethod: formData.get('authMethod') ?? '',
    })
    if (!parsed.success) {
      return data({ intent, oauthReply: { intent, error: parsed.error.issues[0]?.message ?? 'Check the form', values } }, { status: 400 })
    }
    const { clientId, clientSecret, authMethod } = parsed.data
    if (isClientSecretMissing(parsed.data, server.hasOAuthClientSecret && clientId === server.oauthClientId)) {
      return data(
        { intent, oauthReply: { intent, error: CLIENT_SECRET_MISSING_MESSAGE, values } },
        { status: 400 },
      )
    }
    const { changed } = await setOAuthClient(server, { clientId, clientSecret: authMethod === 'none' ? null : clientSecret, authMethod })
    if (changed) {
      await getSessionPool().closeServer(server.id)
      await recordAudit({ ...audit, event: 'oauth.client_changed', detail: `Pre-registered client ${clientId} (${authMethod}); everyone must reconnect` })
    }
    return redirectWithFlash(here, { kind: 'success', message: changed ? 'Saved the OAuth client. Everyone must reconnect.' : 'Nothing changed.' })
  }

  if (intent === 'remove-oauth-client') {
    if (formData.get('confirm') !== 'on') return redirectWithFlash(here, { kind: 'error', message: 'Tick the box to confirm.' })
    const { changed } = await setOAuthClient(server, null)
    if (changed) {
      await getSessionPool().closeServer(server.id)
      await recordAudit({ ...audit, event: 'oauth.client_changed', detail: 'Pre-registered client removed; everyone must reconnect' })
    }
    return redirectWithFlash(here, { kind: 'success', message: 'Removed the OAuth client. Everyone must reconnect.' })
  }

  if (intent === 'set-oauth-scopes') {
    const raw = String(formData.get('scopes') ?? '')
    const parsed = OAuthScopesSchema.safeParse(raw)
    if (!parsed.success) {
      return data({ intent, oauthReply: { intent, error: parsed.error.issues[0]?.message ?? 'Check the scopes', values: { scopes: raw } } }, { status: 400 })
    }
    const scopes = normalizeScopes(parsed.data)
    await setOAuthScopes(server, scopes || null)
    await recordAudit({ ...audit, event: 'oauth.scopes_changed', scopes: scopes || null, detail: scopes ? null : 'Back to what the server asks for' })
    return redirectWithFlash(here, { kind: 'success', message: 'Saved the scopes. They apply to the next Connect.' })
  }

  if (intent === 'set-oauth-shared') {
    const shared = formData.get('shared') === 'true'
    const { changed } = await setOAuthShared(server, shared)
    if (changed) {
      await getSessionPool().closeServer(server.id)
      await recordAudit({ ...audit, event: 'oauth.shared_changed', detail: shared ? 'One shared connection for every member' : 'One connection per person' })
    }
    return redirectWithFlash(here, {
      kind: 'success',
      message: shared ? 'The connection is now shared. An admin must connect it.' : 'Each person now connects with their own account.',
    })
  }

  if (intent === 'set-oauth-exception') {
    const name = formData.get('exception')
    if (!isOAuthException(name)) throw new Response('Unknown exception', { status: 400 })
    const enabled = formData.get('enabled') === 'true'
    const { changed } = await setOAuthException(server, name, enabled)
    if (changed) {
      await recordAudit({ ...audit, event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS[name].label}: ${enabled ? 'enabled' : 'disabled'}` })
    }
    return redirectWithFlash(here, { kind: 'success', message: `${OAUTH_EXCEPTIONS[name].label}: ${enabled ? 'enabled' : 'disabled'}.` })
  }

  if (intent === testIntent) {
    const loaded = await loadEndpoint(server)
    if (!loaded.ok) {
      return redirectWithFlash(here, {
        kind: 'error',
        message: `The stored value of ${loaded.unreadableHeaders.join(', ')} can no longer be read. Enter it again below.`,
      })
    }
    const probe = await probeMcpServer(loaded.endpoint)
    await recordProbe(server, probe)
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'server.tested', outcome: probe.outcome === 'open' ? 'success' : 'failure', detail: probe.message })
    return redirectWithFlash(here, { kind: probe.outcome === 'open' ? 'success' : 'info', message: probe.message })
  }

  if (intent === enableIntent) {
    const parsed = EnableFormSchema.safeParse(Object.fromEntries(formData))
    if (!parsed.success) throw new Response('Choose enabled or disabled', { status: 400 })
    const enabled = parsed.data.enabled === 'true'
    await setServerEnabled(server, enabled)
    if (!enabled) await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: enabled ? 'server.enabled' : 'server.disabled' })
    return redirectWithFlash(here, { kind: 'success', message: enabled ? `${server.name} is enabled.` : `${server.name} is disabled.` })
  }

  if (intent === setHeaderIntent) {
    const submission = parseWithZod(formData, { schema: SetHeaderFormSchema })
    if (submission.status !== 'success') {
      return data({ intent, result: submission.reply({ hideFields: ['headerValue'] }) }, { status: 400 })
    }
    try {
      await setServerHeader(server, submission.value.headerName, submission.value.headerValue)
    } catch (error) {
      if (!(error instanceof HeaderLimitError)) throw error
      return data({ intent, result: submission.reply({ formErrors: [error.message], hideFields: ['headerValue'] }) }, { status: 400 })
    }
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'server.header_set', detail: `Header ${submission.value.headerName} (value not recorded)` })
    // Test right away with the new header so the page says whether it works.
    const refreshed = await requireServer(workspace.id, server.id)
    const loaded = await loadEndpoint(refreshed)
    const probe = loaded.ok ? await probeMcpServer(loaded.endpoint) : null
    if (probe) await recordProbe(refreshed, probe)
    return redirectWithFlash(here, {
      kind: probe?.outcome === 'open' ? 'success' : 'info',
      message: `Saved the header ${submission.value.headerName}.${probe ? ` ${probe.message}` : ''}`,
    })
  }

  if (intent === removeHeaderIntent) {
    const submission = parseWithZod(formData, { schema: RemoveHeaderFormSchema })
    if (submission.status !== 'success') return data({ intent, result: submission.reply() }, { status: 400 })
    const removed = await removeServerHeader(server, submission.value.headerId)
    if (!removed) throw new Response('Header not found', { status: 404 })
    await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'server.header_removed', detail: `Header ${removed}` })
    return redirectWithFlash(here, { kind: 'success', message: 'Header removed.' })
  }

  throw new Response('Unknown action', { status: 400 })
}

export default function ServerRoute() {
  const { workspace, server, canManage, oauth, oauthSettings } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const base = `/w/${workspace.id}/servers/${server.id}`
  return (
    <div className="page">
      <p>
        <Link to={`/w/${workspace.id}/servers`}>← Back to servers</Link>
      </p>
      <div className="page-header">
        <h1>{server.name}</h1>
        {server.enabled ? <ProbeBadge outcome={server.probeOutcome} /> : <span className="badge">Disabled</span>}
      </div>
      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading">Connection</h2>
        <dl className="details">
          <dt>URL</dt>
          <dd className="url-cell">{server.url}</dd>
          <dt>Transport</dt>
          <dd>
            {TRANSPORT_LABELS[server.transport]}
            {server.probeTransport ? <span className="muted"> — last connected with {server.probeTransport}</span> : null}
          </dd>
          <dt>Authentication</dt>
          <dd>
            {AUTH_TYPE_LABELS[server.authType]}
            <span className="muted">{server.authTypeLocked ? ' (set by an admin)' : ' (detected)'}</span>
          </dd>
          <dt>Timeout</dt>
          <dd>{server.timeoutMs / 1000} seconds</dd>
          <dt>Last test</dt>
          <dd>
            {server.probedAt ? (
              <>
                <time dateTime={new Date(server.probedAt).toISOString()}>{formatTime(server.probedAt)}</time>:{' '}
                {server.probeMessage}
                {server.probeServerName ? <span className="muted"> (server reports “{server.probeServerName}”)</span> : null}
              </>
            ) : (
              'Never tested'
            )}
          </dd>
          {server.createdByName ? (
            <>
              <dt>Added by</dt>
              <dd>{server.createdByName}</dd>
            </>
          ) : null}
        </dl>
        <div className="actions">
          {server.enabled && (server.authType !== 'oauth' || (oauth?.connection && oauth.connection.status === 'connected')) ? (
            <Link to={`/w/${workspace.id}/tools?server=${server.id}`} className="button button-primary">
              Browse tools
            </Link>
          ) : null}
          {canManage ? (
            <>
              <Form method="post">
                <StatusButton name="intent" value={testIntent} variant="secondary" pendingText="Testing…">
                  Test connection
                </StatusButton>
              </Form>
              <Link to={`${base}/edit`} className="button button-secondary">
                Edit
              </Link>
              <Form method="post">
                <input type="hidden" name="enabled" value={server.enabled ? 'false' : 'true'} />
                <StatusButton name="intent" value={enableIntent} variant="secondary">
                  {server.enabled ? 'Disable' : 'Enable'}
                </StatusButton>
              </Form>
              <Link to={`${base}/delete`} className="button button-danger-outline">
                Delete
              </Link>
            </>
          ) : null}
        </div>
      </section>
      {oauth ? <OAuthConnectionPanel oauth={oauth} workspaceId={workspace.id} serverId={server.id} serverPath={base} /> : null}
      {oauthSettings ? (
        <OAuthSettings settings={oauthSettings} reply={actionData && 'oauthReply' in actionData ? actionData.oauthReply : undefined} />
      ) : null}
      {canManage && (server.authType === 'headers' || server.headers.length > 0) ? <HeadersSection headers={server.headers} /> : null}
    </div>
  )
}

function HeadersSection({ headers }: { headers: Array<{ id: string; name: string }> }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'set-header',
    lastResult: actionData && 'result' in actionData && actionData.intent === setHeaderIntent ? actionData.result : undefined,
    constraint: getZodConstraint(SetHeaderFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SetHeaderFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <section className="card" aria-labelledby="headers-heading">
      <h2 id="headers-heading">Headers</h2>
      <p className="muted">
        Sent with every request to this server only (never to other hosts). Values are encrypted and never shown again.
      </p>
      {headers.length > 0 ? (
        <ul className="header-list">
          {headers.map((header) => (
            <RemoveHeaderForm key={header.id} header={header} />
          ))}
        </ul>
      ) : null}
      <h3>Add or replace a header</h3>
      <Form method="post" className="form form-inline" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.headerName} label="Header name" help="e.g. X-Api-Key or Authorization" />
        <Field meta={fields.headerValue} label="Value" type="password" autoComplete="off" help="Saving a name that exists replaces its value." />
        <StatusButton name="intent" value={setHeaderIntent} pendingText="Saving…">
          Save header
        </StatusButton>
      </Form>
    </section>
  )
}

function RemoveHeaderForm({ header }: { header: { id: string; name: string } }) {
  const actionData = useActionData<typeof action>()
  const mine =
    actionData && 'result' in actionData && actionData.intent === removeHeaderIntent && actionData.result.initialValue?.headerId === header.id
      ? actionData.result
      : undefined
  const [form, fields] = useForm({
    id: `remove-header-${header.id}`,
    lastResult: mine,
    constraint: getZodConstraint(RemoveHeaderFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RemoveHeaderFormSchema }),
  })
  return (
    <li>
      <Form method="post" className="form-row" {...getFormProps(form)}>
        <code>{header.name}</code>
        <span className="muted">value hidden</span>
        <input type="hidden" name="headerId" value={header.id} />
        <span className="field-checkbox">
          <input {...getInputProps(fields.confirm, { type: 'checkbox' })} key={fields.confirm.key} />
          <label htmlFor={fields.confirm.id}>Confirm removal of {header.name}</label>
        </span>
        <StatusButton name="intent" value={removeHeaderIntent} variant="secondary">
          Remove<span className="visually-hidden"> {header.name}</span>
        </StatusButton>
        <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
      </Form>
    </li>
  )
}

function formatTime(value: string | Date): string {
  return new Date(value).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
}

export const meta: MetaFunction<typeof loader> = ({ data: loaderData }) => [
  { title: loaderData ? `${loaderData.server.name} · Switchboard` : 'Server · Switchboard' },
]
