import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { MembershipError, findMember, requireMembership } from '#app/models/workspace.server.ts'
import { removeWorkspaceMember } from '#app/servers/member-removal.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { canManageMember } from '#app/utils/permissions.ts'

const RemoveMemberFormSchema = z.object({
  confirm: z.literal('on', { error: 'Tick the box to confirm' }),
})

/** The member to remove, if the caller may remove them: 404 unknown, 403 not allowed. */
async function requireRemovableMember(request: Request, params: LoaderFunctionArgs['params']) {
  const user = await requireUser(request)
  const access = await requireMembership(user.id, params.workspaceId ?? '')
  const target = await findMember(access.workspace.id, params.userId ?? '')
  if (!target) throw new Response('That person is not a member of this workspace', { status: 404 })
  const isSelf = target.user.id === user.id
  if (!isSelf && !canManageMember(access.role, target.role)) {
    throw new Response('Your role does not allow removing this member', { status: 403 })
  }
  return { user, access, target, isSelf }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { access, target, isSelf } = await requireRemovableMember(request, params)
  return { workspace: access.workspace, member: target.user, isSelf }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { user, access, target, isSelf } = await requireRemovableMember(request, params)
  const submission = parseWithZod(await request.formData(), { schema: RemoveMemberFormSchema })
  if (submission.status !== 'success') return data({ result: submission.reply() }, { status: 400 })
  try {
    await removeWorkspaceMember({ workspaceId: access.workspace.id, actor: { id: user.id, role: access.role }, target: { ...target.user, role: target.role } })
  } catch (error) {
    if (!(error instanceof MembershipError)) throw error
    return data({ result: submission.reply({ formErrors: [error.message] }) }, { status: 400 })
  }
  return isSelf
    ? redirectWithFlash('/', { kind: 'success', message: `You left ${access.workspace.name}.` })
    : redirectWithFlash(`/w/${access.workspace.id}/members`, {
        kind: 'success',
        message: `Removed ${target.user.name} from ${access.workspace.name}.`,
      })
}

export default function RemoveMemberRoute() {
  const { workspace, member, isSelf } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'remove-member',
    lastResult: actionData?.result,
    constraint: getZodConstraint(RemoveMemberFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: RemoveMemberFormSchema }),
  })
  return (
    <div className="page narrow">
      <p>
        <Link to={`/w/${workspace.id}/members`}>← Back to members</Link>
      </p>
      <h1>{isSelf ? `Leave ${workspace.name}?` : `Remove ${member.name}?`}</h1>
      <p>
        {isSelf
          ? 'You will lose access to this workspace and its servers until someone adds you again.'
          : `${member.name} (${member.email}) will lose access to ${workspace.name} and its servers.`}
      </p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <div className="field field-checkbox">
          <input {...getInputProps(fields.confirm, { type: 'checkbox' })} key={fields.confirm.key} />
          <label htmlFor={fields.confirm.id}>{isSelf ? 'Yes, I want to leave' : `Yes, remove ${member.name}`}</label>
          <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
        </div>
        <StatusButton variant="danger" pendingText="Removing…">
          {isSelf ? 'Leave workspace' : 'Remove member'}
        </StatusButton>
      </Form>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Remove member · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
