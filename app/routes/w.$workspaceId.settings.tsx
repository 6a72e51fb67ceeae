import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { renameWorkspace, requireWorkspaceAdmin, requireWorkspaceOwner } from '#app/models/workspace.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { deleteWorkspace } from '#app/servers/workspace-deletion.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { WorkspaceNameSchema } from '#app/utils/user-validation.ts'

const renameIntent = 'rename-workspace'
const deleteIntent = 'delete-workspace'
const RenameFormSchema = z.object({ intent: z.literal(renameIntent), name: WorkspaceNameSchema })
/** The typed name must match the workspace's, so a deletion is never one stray click. */
function deleteFormSchema(workspaceName: string) {
  return z.object({
    intent: z.literal(deleteIntent),
    confirmName: z
      .string({ error: 'Type the workspace’s name to confirm' })
      .refine((typed) => typed.trim() === workspaceName.trim(), 'The name you typed does not match the workspace’s name'),
  })
}
const IntentSchema = z.enum([renameIntent, deleteIntent])

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  // Admins reach the page from the menu; only owners may change anything here.
  const { workspace, role } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  return { workspace, isOwner: role === 'owner' }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace } = await requireWorkspaceOwner(user.id, params.workspaceId ?? '')
  const formData = await request.formData()
  const intent = IntentSchema.safeParse(formData.get('intent'))
  if (!intent.success) throw new Response('Unknown action', { status: 400 })
  if (intent.data === deleteIntent) {
    const submission = parseWithZod(formData, { schema: deleteFormSchema(workspace.name) })
    if (submission.status !== 'success') return data({ intent: intent.data, result: submission.reply() }, { status: 400 })
    await deleteWorkspace(workspace.id, user.id)
    return redirectWithFlash('/', { kind: 'success', message: `Deleted the workspace ${workspace.name}.` })
  }
  const submission = parseWithZod(formData, { schema: RenameFormSchema })
  if (submission.status !== 'success') return data({ intent: intent.data, result: submission.reply() }, { status: 400 })
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
  const { workspace, isOwner } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <h1>Workspace settings</h1>
      {isOwner ? (
        <>
          <RenameForm name={workspace.name} />
          <DeleteForm name={workspace.name} />
        </>
      ) : (
        <p className="lead">Only owners of {workspace.name} can rename or delete it.</p>
      )}
    </div>
  )
}

function RenameForm({ name }: { name: string }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'rename-workspace',
    lastResult: actionData?.intent === renameIntent ? actionData.result : undefined,
    constraint: getZodConstraint(RenameFormSchema),
    defaultValue: { name },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RenameFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
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
  )
}

function DeleteForm({ name }: { name: string }) {
  const actionData = useActionData<typeof action>()
  const schema = deleteFormSchema(name)
  const [form, fields] = useForm({
    id: 'delete-workspace',
    lastResult: actionData?.intent === deleteIntent ? actionData.result : undefined,
    constraint: getZodConstraint(schema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
    shouldValidate: 'onSubmit',
  })
  return (
    <section className="card card-danger" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete this workspace</h2>
      <p>
        Deleting {name} removes its servers, everyone’s OAuth sign-ins to them (revoked at each authorization server), its
        invites, tool history and audit log, for every member. This cannot be undone.
      </p>
      <Form method="post" className="form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.confirmName} label={`Type “${name}” to confirm`} autoComplete="off" />
        <StatusButton name="intent" value={deleteIntent} variant="danger" pendingText="Deleting…">
          Delete workspace
        </StatusButton>
      </Form>
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Workspace settings · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
