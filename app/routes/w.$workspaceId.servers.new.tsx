import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { ServerFormFields } from '#app/components/server-form.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { ErrorList } from '#app/components/forms.tsx'
import { parseServerForm, probeForForm } from '#app/models/server-form.server.ts'
import { DuplicateServerNameError, createServer, requireServer } from '#app/models/server.server.ts'
import { startConnect } from '#app/models/oauth-connect.server.ts'
import { getActiveSession } from '#app/utils/session.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { ServerFormSchema, secondsToMs } from '#app/utils/server-validation.ts'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  return { workspace }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = await parseServerForm(await request.formData(), workspace.id)
  if (submission.status !== 'success') {
    return data({ result: submission.reply(), probeFailed: false }, { status: 400 })
  }
  const verdict = await probeForForm(submission.value)
  if (!verdict.ok) {
    const result = verdict.field
      ? submission.reply({ fieldErrors: { [verdict.field]: [verdict.message] } })
      : submission.reply({ formErrors: [verdict.message] })
    return data({ result, probeFailed: verdict.field === null }, { status: 400 })
  }
  try {
    const server = await createServer(
      workspace.id,
      user.id,
      { ...submission.value, timeoutMs: secondsToMs(submission.value.timeoutSeconds), enabled: true },
      verdict.probe,
    )
    await recordAudit({
      workspaceId: workspace.id,
      actorId: user.id,
      event: 'server.created',
      server: { id: server.id, name: submission.value.name },
      detail: `${submission.value.url} — ${verdict.probe.message}`,
    })
    const here = `/w/${workspace.id}/servers/${server.id}`
    if (server.authType === 'oauth') {
      // An OAuth server leads straight into Connect; on failure the server page says why.
      const session = await getActiveSession(request)
      const connect = session
        ? await startConnect({ server: await requireServer(workspace.id, server.id), userId: user.id, sessionKey: session.sessionKey, returnTo: here })
        : { ok: false as const, message: 'Press Connect to sign in.' }
      if (connect.ok) return connect.response
      return redirectWithFlash(here, {
        kind: 'info',
        message: `Added ${submission.value.name}. It uses OAuth, but signing in could not start: ${connect.message}`,
      })
    }
    return redirectWithFlash(here, {
      kind: 'success',
      message: `Added ${submission.value.name}. ${verdict.probe.message}`,
    })
  } catch (error) {
    if (!(error instanceof DuplicateServerNameError)) throw error
    return data({ result: submission.reply({ fieldErrors: { name: [error.message] } }), probeFailed: false }, { status: 400 })
  }
}

export default function NewServerRoute() {
  const { workspace } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(ServerFormSchema),
    defaultValue: { transport: 'auto', authType: 'detect', timeoutSeconds: '30' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ServerFormSchema }),
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
        <ServerFormFields fields={fields} showEnabled={false} showSaveUnreachable={Boolean(actionData?.probeFailed)} />
        <StatusButton pendingText="Testing the connection…">Add server</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Add server · Switchboard' }]

