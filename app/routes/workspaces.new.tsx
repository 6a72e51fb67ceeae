import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { createWorkspace, rememberWorkspace } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { WorkspaceNameSchema } from '#app/utils/user-validation.ts'

const NewWorkspaceFormSchema = z.object({ name: WorkspaceNameSchema })

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request)
  return null
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const submission = parseWithZod(await request.formData(), { schema: NewWorkspaceFormSchema })
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
  const workspaceId = await createWorkspace(user.id, submission.value.name)
  await rememberWorkspace(user.id, workspaceId)
  return redirectWithFlash(`/w/${workspaceId}`, {
    kind: 'success',
    message: `Created the workspace “${submission.value.name}”. You are its owner.`,
  })
}

export default function NewWorkspaceRoute() {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'new-workspace',
    lastResult: actionData?.result,
    constraint: getZodConstraint(NewWorkspaceFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: NewWorkspaceFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow">
      <p>
        <Link to="/">← Back</Link>
      </p>
      <h1>New workspace</h1>
      <p className="lead">A workspace holds a team’s MCP servers. You can add members once it exists.</p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.name} label="Workspace name" />
        <StatusButton pendingText="Creating…">Create workspace</StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'New workspace · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
