import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ErrorList } from '#app/components/forms.tsx'
import { ServerFormFields } from '#app/components/server-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { credentialChoice, parseServerForm, probeForForm } from '#app/models/server-form.server.ts'
import { requireServer } from '#app/models/server.server.ts'
import { loadEndpoint } from '#app/models/server-headers.server.ts'
import { setOAuthException } from '#app/models/server-oauth-settings.server.ts'
import { DuplicateServerNameError, updateServer } from '#app/models/server-write.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { getSessionPool } from '#app/mcp/transport/sessions.server.ts'
import { OAUTH_EXCEPTIONS, parseOAuthExceptions } from '#app/oauth/rules.ts'
import { type CredentialKind, ServerFormSchema, secondsToMs } from '#app/utils/server-validation.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const credentialKind = currentCredentialKind(server)
  // A server that "needs credentials": both ways in stay offered here, with the current one ticked.
  const credentialsRequired = server.probeOutcome === 'credentials_required' && (!server.authTypeLocked || credentialKind !== null)
  return {
    workspace,
    credentialsRequired,
    server: {
      id: server.id,
      name: server.name,
      url: server.url,
      transport: server.transport,
      authType: server.authTypeLocked && !credentialsRequired ? server.authType : 'detect',
      timeoutSeconds: String(server.timeoutMs / 1000),
      enabled: server.enabled,
      credentialKind: server.authTypeLocked ? (credentialKind ?? undefined) : undefined,
    },
  }
}

/** Which way into a "needs credentials" server is in force, if one of the two. */
function currentCredentialKind(server: { authType: string; oauthExceptions: string }): CredentialKind | null {
  if (server.authType === 'headers') return 'headers'
  if (server.authType === 'oauth' && parseOAuthExceptions(server.oauthExceptions).includes('legacy_discovery')) return 'oauth-legacy'
  return null
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const submission = await parseServerForm(await request.formData(), workspace.id, ServerFormSchema, server.id)
  if (submission.status !== 'success') {
    return data({ result: submission.reply(), probeFailed: false, credentialsRequired: false }, { status: 400 })
  }
  const value = submission.value
  // A new address or transport is a different server as far as the probe is concerned.
  const reprobe = value.url !== server.url || value.transport !== server.transport
  let probe = null
  if (reprobe) {
    const loaded = await loadEndpoint(server)
    const verdict = await probeForForm(value, loaded.ok ? loaded.endpoint.headers : {})
    if (!verdict.ok) {
      const result = verdict.field
        ? submission.reply({ fieldErrors: { [verdict.field]: [verdict.message] } })
        : submission.reply({ formErrors: [verdict.message] })
      return data({ result, probeFailed: verdict.field === null, credentialsRequired: false }, { status: 400 })
    }
    probe = verdict.probe
  }
  // "Needs credentials" (from this probe or the stored one): the admin's radio choice sets the way in.
  const { required: credentialsRequired, choice, authType } = credentialChoice(probe?.outcome ?? server.probeOutcome, value)
  if (credentialsRequired && !choice) {
    const result = submission.reply({ fieldErrors: { credentialKind: ['Choose how people sign in to this server.'] } })
    return data({ result, probeFailed: false, credentialsRequired: true }, { status: 400 })
  }
  const audit = { workspaceId: workspace.id, actorId: user.id, server: { id: server.id, name: value.name } }
  try {
    const { configChanged } = await updateServer(server, { ...value, authType, timeoutMs: secondsToMs(value.timeoutSeconds) }, probe)
    if (configChanged || !value.enabled) await getSessionPool().closeServer(server.id)
    await recordAudit({ ...audit, event: 'server.updated', detail: describeChanges(server, { ...value, authType }) })
    if (choice === 'oauth-legacy' && (await setOAuthException(server, 'legacy_discovery', true)).changed) {
      await recordAudit({ ...audit, event: 'oauth.exception_toggled', detail: `${OAUTH_EXCEPTIONS.legacy_discovery.label}: enabled` })
    }
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return data({ result: submission.reply({ fieldErrors: { name: [error.message] } }), probeFailed: false, credentialsRequired }, { status: 400 })
  }
  return redirectWithFlash(`/w/${workspace.id}/servers/${server.id}`, {
    kind: 'success',
    message: `Saved ${value.name}.${probe ? ` ${probe.message}` : ''}${choice ? ` ${CHOICE_MESSAGES[choice]}` : ''}`,
  })
}

const CHOICE_MESSAGES: Record<CredentialKind, string> = {
  headers: 'It uses static headers: add the one it expects on this page.',
  'oauth-legacy': 'It uses OAuth as an MCP 2025-03-26 server: each person connects with their own account.',
}

function describeChanges(
  before: { name: string; url: string; transport: string; timeoutMs: number; enabled: boolean; authType: string },
  after: { name: string; url: string; transport: string; timeoutSeconds: number; enabled: boolean; authType: string },
): string {
  const changes = [
    after.authType !== 'detect' && before.authType !== after.authType && `authentication ${before.authType} → ${after.authType}`,
    before.name !== after.name && `name “${before.name}” → “${after.name}”`,
    before.url !== after.url && `URL ${before.url} → ${after.url}`,
    before.transport !== after.transport && `transport ${before.transport} → ${after.transport}`,
    before.timeoutMs !== after.timeoutSeconds * 1000 && `timeout ${before.timeoutMs / 1000} s → ${after.timeoutSeconds} s`,
    before.enabled !== after.enabled && (after.enabled ? 'enabled' : 'disabled'),
  ].filter(Boolean)
  return changes.length > 0 ? changes.join('; ') : 'saved without changes'
}

export default function EditServerRoute() {
  const { workspace, server, credentialsRequired } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'edit-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(ServerFormSchema),
    defaultValue: { ...server, enabled: server.enabled ? 'on' : undefined },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ServerFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow-wide">
      <p>
        <Link to={`/w/${workspace.id}/servers/${server.id}`}>← Back to {server.name}</Link>
      </p>
      <h1>Edit {server.name}</h1>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <ServerFormFields
          fields={fields}
          showEnabled
          showSaveUnreachable={Boolean(actionData?.probeFailed)}
          showCredentialChoice={credentialsRequired || Boolean(actionData?.credentialsRequired)}
        />
        <p className="field-help">Changing the URL or transport tests the connection again.</p>
        <StatusButton pendingText="Saving…">Save changes</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Edit server · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
