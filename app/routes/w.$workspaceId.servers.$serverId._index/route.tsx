import { getFormProps, getInputProps } from '@conform-to/react'
import { parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { AgentSignInHint } from '#app/components/agent-sign-in-hint.tsx'
import { ServerNav } from '#app/components/server-nav.tsx'
import { AgentSection } from '#app/routes/w.$workspaceId.servers.$serverId._index/agent-settings.tsx'
import { ErrorList, Field, FormErrors } from '#app/components/forms.tsx'
import { OAuthConnectionPanel } from '#app/components/oauth-panel.tsx'
import { AdvancedSettings, replyFor, usePageForm } from '#app/routes/w.$workspaceId.servers.$serverId._index/oauth-settings.tsx'
import { ServerStatusBadge } from '#app/components/server-status.tsx'
import { ServerHealthSection } from '#app/components/health-chart.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireServer } from '#app/models/server.server.ts'
import type { ServerStatusKind } from '#app/models/server-status.ts'
import { requireMembership } from '#app/models/workspace.server.ts'
import { rejectWith, runServerPageIntent } from '#app/routes/w.$workspaceId.servers.$serverId._index/actions.server.ts'
import {
  EnableFormSchema,
  RemoveHeaderFormSchema,
  ServerPageFormSchema,
  SetHeaderFormSchema,
  TestConnectionFormSchema,
  enableIntent,
  hideFields,
  intentOf,
  removeHeaderIntent,
  setHeaderIntent,
  testIntent,
  testOAuthIntent,
} from '#app/routes/w.$workspaceId.servers.$serverId._index/form-schema.ts'
import { serverPageData } from '#app/routes/w.$workspaceId.servers.$serverId._index/page-data.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { canManageWorkspace } from '#app/utils/permissions.ts'
import { AUTH_TYPE_LABELS, TRANSPORT_LABELS } from '#app/servers/validation.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const access = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(access.workspace.id, params.serverId ?? '')
  return serverPageData(request, user, access, server)
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: ServerPageFormSchema })
  const intent = intentOf(submission.payload)
  // Any member may test their own OAuth connection; everything else is for admins (asked before
  // the form is judged, so a member learns nothing from the answer).
  if (intent !== testOAuthIntent && !canManageWorkspace(role)) throw new Response('Only owners and admins can change servers', { status: 403 })
  if (!intent) throw new Response('Unknown action', { status: 400 })
  if (submission.status !== 'success') return rejectWith(intent, submission.reply({ hideFields }))
  return runServerPageIntent(submission.value, {
    userId: user.id,
    server,
    here: `/w/${workspace.id}/servers/${server.id}`,
    reject: ({ field, message }) =>
      rejectWith(intent, submission.reply(field ? { fieldErrors: { [field]: [message] }, hideFields } : { formErrors: [message], hideFields })),
  })
}

/** States in which the tools cannot be listed yet: the page shows the way on instead of "Browse tools". */
const WAITING_STATES = new Set<ServerStatusKind>(['disabled', 'needs_headers', 'needs_sign_in', 'needs_admin_sign_in', 'needs_reconnect'])

export default function ServerRoute() {
  const { workspace, server, canManage, oauth, oauthSettings, status, health, agents } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const base = `/w/${workspace.id}/servers/${server.id}`
  return (
    <div className="page">
      <p>
        <Link to={`/w/${workspace.id}/servers`}>← Back to servers</Link>
      </p>
      <ServerNav workspaceId={workspace.id} serverId={server.id} serverName={server.name} />
      <div className="page-header">
        <h1>{server.name}</h1>
        <ServerStatusBadge status={status} id="server-status" />
      </div>
      {searchParams.get('agent') === '1' ? <AgentSignInHint server={{ id: server.id, name: server.name, workspaceId: workspace.id }} waiting={WAITING_STATES.has(status.kind)} searchParams={searchParams} /> : null}
      <section className="card" aria-labelledby="details-heading">
        <h2 id="details-heading">Connection</h2>
        <div className="actions status-actions">
          {!WAITING_STATES.has(status.kind) ? (
            <Link to={`/w/${workspace.id}/tools?server=${server.id}`} className="button button-primary">
              Browse tools
            </Link>
          ) : null}
          {canManage ? (
            <>
              <TestConnectionForm />
              <Link to={`${base}/edit`} className="button button-secondary">
                Edit
              </Link>
              <Link to={`${base}/tool-policy`} className="button button-secondary">
                Choose tools
              </Link>
              <EnableForm enabled={server.enabled} />
              <Link to={`${base}/delete`} className="button button-danger-outline">
                Delete
              </Link>
            </>
          ) : null}
        </div>
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
          <dt>MCP revision</dt>
          <dd>{server.protocolVersion ?? 'Not known yet (test the connection)'}</dd>
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
      </section>
      <ServerHealthSection samples={health} serverName={server.name} auditHref={canManage ? `/w/${workspace.id}/audit?server=${server.id}&kind=tool_call` : null} />
      {oauth ? <OAuthConnectionPanel oauth={oauth} status={status} workspaceId={workspace.id} serverId={server.id} /> : null}
      {canManage && (server.authType === 'headers' || server.headers.length > 0) ? (
        // A saved header changes the list: a new key empties the form, with JavaScript as without (a fresh page).
        <HeadersSection key={server.headers.map((h) => `${h.id}@${String(h.updatedAt)}`).join(',')} headers={server.headers} />
      ) : null}
      <AgentSection agents={agents} canManage={canManage} reply={actionData} serverName={server.name} enabled={server.enabled} />
      {oauthSettings ? <AdvancedSettings settings={oauthSettings} reply={actionData} /> : null}
    </div>
  )
}

function TestConnectionForm() {
  const [form] = usePageForm('test-connection', TestConnectionFormSchema, replyFor(useActionData<typeof action>(), testIntent))
  return (
    <Form method="post" {...getFormProps(form)}>
      <FormErrors form={form} />
      <StatusButton name="intent" value={testIntent} variant="secondary" pendingText="Testing…">
        Test connection
      </StatusButton>
    </Form>
  )
}

function EnableForm({ enabled }: { enabled: boolean }) {
  const [form] = usePageForm('set-enabled', EnableFormSchema, replyFor(useActionData<typeof action>(), enableIntent))
  return (
    <Form method="post" {...getFormProps(form)}>
      <FormErrors form={form} />
      <input type="hidden" name="enabled" value={enabled ? 'false' : 'true'} />
      <StatusButton name="intent" value={enableIntent} variant="secondary">
        {enabled ? 'Disable' : 'Enable'}
      </StatusButton>
    </Form>
  )
}

function HeadersSection({ headers }: { headers: Array<{ id: string; name: string }> }) {
  const [form, fields] = usePageForm('set-header', SetHeaderFormSchema, replyFor(useActionData<typeof action>(), setHeaderIntent))
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
  const mine = replyFor(useActionData<typeof action>(), removeHeaderIntent, (result) => result.initialValue?.headerId === header.id)
  const [form, fields] = usePageForm(`remove-header-${header.id}`, RemoveHeaderFormSchema, mine)
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

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
