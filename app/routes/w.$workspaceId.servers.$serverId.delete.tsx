import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { requireServer } from '#app/models/server.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { deleteServer } from '#app/servers/delete-server.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'

const DeleteServerFormSchema = z.object({ confirm: z.literal('on', { error: 'Tick the box to confirm' }) })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  return { workspace, server: { id: server.id, name: server.name, url: server.url } }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const server = await requireServer(workspace.id, params.serverId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: DeleteServerFormSchema })
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
  await deleteServer(server, user.id)
  return redirectWithFlash(`/w/${workspace.id}/servers`, { kind: 'success', message: `Deleted ${server.name}.` })
}

export default function DeleteServerRoute() {
  const { workspace, server } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'delete-server',
    lastResult: actionData?.result,
    constraint: getZodConstraint(DeleteServerFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DeleteServerFormSchema }),
  })
  return (
    <div className="page narrow">
      <p>
        <Link to={`/w/${workspace.id}/servers/${server.id}`}>← Back to {server.name}</Link>
      </p>
      <h1>Delete {server.name}?</h1>
      <p>
        Everyone in {workspace.name} loses access to this server’s tools, and its stored headers are deleted. This cannot be
        undone.
      </p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <div className="field field-checkbox">
          <input {...getInputProps(fields.confirm, { type: 'checkbox' })} key={fields.confirm.key} />
          <label htmlFor={fields.confirm.id}>Yes, delete {server.name}</label>
          <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
        </div>
        <StatusButton variant="danger" pendingText="Deleting…">
          Delete server
        </StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Delete server · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
