import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field, SelectField } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import {
  MembershipError,
  addMember,
  changeRole,
  listMembers,
  requireMembership,
  requireWorkspaceAdmin,
} from '#app/models/workspace.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { ROLES, ROLE_LABELS, assignableRoles, canManageMember, canManageWorkspace } from '#app/utils/permissions.ts'
import { EmailSchema } from '#app/utils/user-validation.ts'

const addMemberIntent = 'add-member'
const changeRoleIntent = 'change-role'

const RoleSchema = z.enum(ROLES, { error: 'Choose a role' })
const AddMemberFormSchema = z.object({ intent: z.literal(addMemberIntent), email: EmailSchema, role: RoleSchema })
const ChangeRoleFormSchema = z.object({
  intent: z.literal(changeRoleIntent),
  userId: z.string().min(1).max(64),
  role: RoleSchema,
})
const MembersActionSchema = z.discriminatedUnion('intent', [AddMemberFormSchema, ChangeRoleFormSchema])
const IntentSchema = z.enum([addMemberIntent, changeRoleIntent])

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireMembership(user.id, params.workspaceId ?? '')
  const members = await listMembers(workspace.id)
  return {
    workspace,
    role,
    currentUserId: user.id,
    members: members.map((m) => ({ id: m.user.id, name: m.user.name, email: m.user.email, role: m.role })),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: MembersActionSchema })
  const intent = IntentSchema.safeParse(submission.payload.intent)
  if (!intent.success) throw new Response('Unknown action', { status: 400 })
  if (submission.status !== 'success') {
    return data({ intent: intent.data, result: submission.reply() }, { status: 400 })
  }
  const value = submission.value
  try {
    if (value.intent === addMemberIntent) {
      const added = await addMember(workspace.id, role, value.email, value.role)
      await recordAudit({
        workspaceId: workspace.id,
        actorId: user.id,
        event: 'member.added',
        detail: `${added.name} (${value.email}) as ${value.role}`,
      })
      return redirectWithFlash(`/w/${workspace.id}/members`, {
        kind: 'success',
        message: `Added ${added.name} as ${ROLE_LABELS[value.role].toLowerCase()}.`,
      })
    }
    const changed = await changeRole(workspace.id, role, value.userId, value.role)
    await recordAudit({
      workspaceId: workspace.id,
      actorId: user.id,
      event: 'member.role_changed',
      detail: `${changed.name}: ${changed.previousRole} → ${value.role}`,
    })
    return redirectWithFlash(`/w/${workspace.id}/members`, {
      kind: 'success',
      message: `Role changed to ${ROLE_LABELS[value.role].toLowerCase()}.`,
    })
  } catch (error) {
    if (!(error instanceof MembershipError)) throw error
    const result =
      error.field === 'email' || error.field === 'role'
        ? submission.reply({ fieldErrors: { [error.field]: [error.message] } })
        : submission.reply({ formErrors: [error.message] })
    return data({ intent: value.intent, result, userId: value.intent === changeRoleIntent ? value.userId : null }, { status: 400 })
  }
}

type Member = Awaited<ReturnType<typeof loader>>['members'][number]

export default function MembersRoute() {
  const { workspace, role, members, currentUserId } = useLoaderData<typeof loader>()
  const canManage = canManageWorkspace(role)
  return (
    <div className="page">
      <h1>Members</h1>
      <p className="lead">Everyone here can use {workspace.name}’s MCP servers. Owners and admins manage them.</p>
      {canManage ? <AddMemberForm roleOptions={assignableRoles(role)} /> : null}
      {canManage ? (
        <p>
          Someone without an account? <Link to={`/w/${workspace.id}/invites`}>Invite them with a link</Link>
        </p>
      ) : null}
      <section className="card" aria-labelledby="member-list-heading">
        <h2 id="member-list-heading">People in this workspace</h2>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <MemberRow
                key={member.id}
                member={member}
                workspaceId={workspace.id}
                actorRole={role}
                isSelf={member.id === currentUserId}
              />
            ))}
          </tbody>
        </table>
      </section>
    </div>
  )
}

function AddMemberForm({ roleOptions }: { roleOptions: string[] }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'add-member',
    lastResult: actionData?.intent === addMemberIntent ? actionData.result : undefined,
    constraint: getZodConstraint(AddMemberFormSchema),
    defaultValue: { role: 'member' },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: AddMemberFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <section className="card" aria-labelledby="add-member-heading">
      <h2 id="add-member-heading">Add a member</h2>
      <Form method="post" className="form form-inline" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.email} label="Email of their Switchboard account" type="email" />
        <SelectField
          meta={fields.role}
          label="Role"
          options={ROLES.filter((r) => roleOptions.includes(r)).map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
        />
        <StatusButton name="intent" value={addMemberIntent} pendingText="Adding…">
          Add member
        </StatusButton>
      </Form>
    </section>
  )
}

function MemberRow({
  member,
  workspaceId,
  actorRole,
  isSelf,
}: {
  member: Member
  workspaceId: string
  actorRole: Member['role']
  isSelf: boolean
}) {
  const actionData = useActionData<typeof action>()
  const mine = actionData?.intent === changeRoleIntent && 'userId' in actionData && actionData.userId === member.id
  const errors = mine ? Object.values(actionData.result.error ?? {}).flat().filter((e): e is string => typeof e === 'string') : []
  const canChange = canManageMember(actorRole, member.role)
  const selectId = `role-${member.id}`
  return (
    <tr>
      <td>
        {member.name}
        {isSelf ? <span className="muted"> (you)</span> : null}
      </td>
      <td>{member.email}</td>
      <td>
        {canChange ? (
          <Form method="post" className="form-row">
            <input type="hidden" name="userId" value={member.id} />
            <label htmlFor={selectId} className="visually-hidden">
              Role of {member.name}
            </label>
            <select
              id={selectId}
              name="role"
              defaultValue={member.role}
              aria-invalid={errors.length > 0 || undefined}
              aria-describedby={errors.length > 0 ? `${selectId}-error` : undefined}
            >
              {assignableRoles(actorRole).map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </select>
            <StatusButton name="intent" value={changeRoleIntent} variant="secondary" pendingText="Saving…">
              Change role<span className="visually-hidden"> of {member.name}</span>
            </StatusButton>
            <ErrorList id={`${selectId}-error`} errors={errors} />
          </Form>
        ) : (
          ROLE_LABELS[member.role]
        )}
      </td>
      <td>
        {canChange || isSelf ? (
          <Link to={`/w/${workspaceId}/members/${member.id}/remove`} className="danger-link">
            {isSelf ? 'Leave' : 'Remove'}
            <span className="visually-hidden"> {member.name}</span>
          </Link>
        ) : null}
      </td>
    </tr>
  )
}

export const meta: MetaFunction = () => [{ title: 'Members · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
