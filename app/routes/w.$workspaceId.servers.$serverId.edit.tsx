import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react'
import { ErrorList } from '#app/components/forms.tsx'
import { ServerFormFields } from '#app/components/server-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireServer } from '#app/models/server.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { parseOAuthExceptions } from '#app/oauth/rules.ts'
import { parseServerForm } from '#app/servers/server-form.server.ts'
import { editServer } from '#app/servers/update-server.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { type CredentialKind, ServerFormSchema, prefillFrom } from '#app/servers/validation.ts'

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
    // A "Did you mean …/mcp?" link fills the form in (server-form.tsx).
    prefill: prefillFrom(new URL(request.url).searchParams),
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
    return data({ result: submission.reply(), probeFailed: false, credentialsRequired: false, suggestedUrl: null }, { status: 400 })
  }
  const edited = await editServer(server, submission.value, user.id)
  if (edited.ok) return redirectWithFlash(`/w/${workspace.id}/servers/${server.id}`, { kind: 'success', message: edited.message })
  const result = edited.field ? submission.reply({ fieldErrors: { [edited.field]: [edited.message] } }) : submission.reply({ formErrors: [edited.message] })
  return data(
    { result, probeFailed: edited.probeFailed, credentialsRequired: edited.credentialsRequired, suggestedUrl: edited.suggestedUrl ?? null },
    { status: 400 },
  )
}

export default function EditServerRoute() {
  // A new query (a "Did you mean" link) is a fresh form with its values, with JS as without.
  return <EditServerForm key={useLocation().search} />
}

function EditServerForm() {
  const { workspace, server, credentialsRequired, prefill } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'edit-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(ServerFormSchema),
    defaultValue: { ...server, enabled: server.enabled ? 'on' : undefined, ...prefill },
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
          suggestedUrl={actionData?.suggestedUrl}
        />
        <p className="field-help">Changing the URL or transport tests the connection again.</p>
        <StatusButton pendingText="Saving…">Save changes</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Edit server · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
