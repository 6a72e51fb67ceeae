import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirectDocument } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useLocation } from '@remix-run/react'
import { AdvancedOAuthFields, ServerFormFields } from '#app/components/server-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ErrorList } from '#app/components/forms.tsx'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { redirectUri } from '#app/oauth/client-identity.server.ts'
import { type AddedStep, addServer } from '#app/servers/add-server.server.ts'
import { parseServerForm } from '#app/servers/server-form.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash, serializeFlash } from '#app/utils/flash.server.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { AddServerFormSchema, prefillFrom } from '#app/servers/validation.ts'

// Secrets are never sent back into the form (STYLE.md).
const hideFields = ['clientSecret']

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  // A "Did you mean …/mcp?" link fills the form in (server-form.tsx).
  return { workspace, redirectUri: redirectUri(), prefill: prefillFrom(new URL(request.url).searchParams) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = await parseServerForm(await request.formData(), workspace.id, AddServerFormSchema)
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields }), probeFailed: false, credentialsRequired: false, suggestedUrl: null }, { status: 400 })
  }
  // Connect, when the server leads into it, binds its state to this browser session.
  const session = await getActiveSession(request)
  const added = await addServer({ workspaceId: workspace.id, userId: user.id, sessionKey: session?.sessionKey ?? null, value: submission.value })
  if (added.ok) return respond(added.next)
  const result = added.field
    ? submission.reply({ fieldErrors: { [added.field]: [added.message] }, hideFields })
    : submission.reply({ formErrors: [added.message], hideFields })
  return data(
    { result, probeFailed: added.probeFailed, credentialsRequired: added.credentialsRequired, suggestedUrl: added.suggestedUrl ?? null },
    { status: 400 },
  )
}

async function respond(next: AddedStep): Promise<Response> {
  if (next.kind === 'response') return next.response
  if (next.kind === 'page') return redirectWithFlash(next.to, next.flash)
  // A document load, with JavaScript too: the browser then focuses the client ID field.
  return redirectDocument(next.to, { headers: { 'Set-Cookie': await serializeFlash(next.flash) } })
}

export default function NewServerRoute() {
  // A new query (a "Did you mean" link) is a fresh form with its values, with JS as without.
  return <NewServerForm key={useLocation().search} />
}

function NewServerForm() {
  const { workspace, redirectUri, prefill } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(AddServerFormSchema),
    defaultValue: { transport: 'auto', authType: 'detect', timeoutSeconds: '30', authMethod: 'client_secret_basic', ...prefill },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AddServerFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow-wide">
      <p>
        <Link to={`/w/${workspace.id}/servers`}>← Back to servers</Link>
      </p>
      <h1>Add an MCP server</h1>
      <p className="lead">
        Switchboard connects to the URL without credentials to find out how the server authenticates, then lists its
        tools.
      </p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <ServerFormFields
          fields={fields}
          showEnabled={false}
          showSaveUnreachable={Boolean(actionData?.probeFailed)}
          showCredentialChoice={Boolean(actionData?.credentialsRequired)}
          suggestedUrl={actionData?.suggestedUrl}
        />
        <AdvancedOAuthFields fields={fields} redirectUri={redirectUri} />
        <StatusButton pendingText="Testing the connection…">Add server</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Add server · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
