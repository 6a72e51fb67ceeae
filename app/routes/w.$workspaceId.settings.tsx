import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { renameWorkspace, requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { WorkspaceNameSchema } from '#app/utils/user-validation.ts'

const renameIntent = 'rename-workspace'
const RenameFormSchema = z.object({ intent: z.literal(renameIntent), name: WorkspaceNameSchema })

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  return { workspace }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: RenameFormSchema })
  if (submission.payload.intent !== renameIntent) throw new Response('Unknown action', { status: 400 })
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
  await renameWorkspace(workspace.id, submission.value.name)
  await recordAudit({
    workspaceId: workspace.id,
    actorId: user.id,
    event: 'workspace.renamed',
    detail: `“${workspace.name}” → “${submission.value.name}”`,
  })
  return redirectWithFlash(`/w/${workspace.id}/settings`, { kind: 'success', message: 'Workspace renamed.' })
}

export default function WorkspaceSettingsRoute() {
  const { workspace } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'rename-workspace',
    lastResult: actionData?.result,
    constraint: getZodConstraint(RenameFormSchema),
    defaultValue: { name: workspace.name },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RenameFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page">
      <h1>Workspace settings</h1>
      <section className="card" aria-labelledby="rename-heading">
        <h2 id="rename-heading">Name</h2>
        <Form method="post" className="form" {...getFormProps(form)}>
          <ErrorList id={form.errorId} errors={form.errors} />
          <Field meta={fields.name} label="Workspace name" />
          <StatusButton name="intent" value={renameIntent} pendingText="Saving…">
            Save name
          </StatusButton>
        </Form>
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Workspace settings · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
