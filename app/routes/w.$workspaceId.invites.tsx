import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { formatUtc } from '#app/components/formats.ts'
import { ErrorList, SelectField } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { DEFAULT_INVITE_LIFETIME, INVITE_LIFETIMES, INVITE_LIFETIME_KEYS } from '#app/models/invite-fields.ts'
import { InviteError, createInvite, listPendingInvites, revokeInvite } from '#app/models/invite.server.ts'
import { requireWorkspaceAdmin } from '#app/models/workspace.server.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { ROLES, ROLE_LABELS, assignableRoles } from '#app/utils/permissions.ts'

const createIntent = 'create-invite'
const revokeIntent = 'revoke-invite'

const CreateInviteFormSchema = z.object({
  intent: z.literal(createIntent),
  role: z.enum(ROLES, { error: 'Choose a role' }),
  lifetime: z.enum(INVITE_LIFETIME_KEYS, { error: 'Choose how long the link works' }),
})
const RevokeInviteFormSchema = z.object({ intent: z.literal(revokeIntent), inviteId: z.string().min(1).max(64) })
const InvitesActionSchema = z.discriminatedUnion('intent', [CreateInviteFormSchema, RevokeInviteFormSchema])
const IntentSchema = z.enum([createIntent, revokeIntent])

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const invites = await listPendingInvites(workspace.id)
  return {
    workspace,
    roleOptions: assignableRoles(role),
    invites: invites.map((invite) => ({
      id: invite.id,
      role: invite.role,
      expiresAt: invite.expiresAt.toISOString(),
      createdBy: invite.createdBy?.name ?? 'A former member',
    })),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const { workspace, role } = await requireWorkspaceAdmin(user.id, params.workspaceId ?? '')
  const submission = parseWithZod(await request.formData(), { schema: InvitesActionSchema })
  const intent = IntentSchema.safeParse(submission.payload.intent)
  if (!intent.success) throw new Response('Unknown action', { status: 400 })
  if (submission.status !== 'success') return data({ result: submission.reply(), link: null }, { status: 400 })
  const value = submission.value
  try {
    if (value.intent === createIntent) {
      const invite = await createInvite({ workspaceId: workspace.id, creator: { id: user.id, role }, role: value.role, lifetime: value.lifetime })
      // NOTE: no redirect here: the link is shown once, in this answer only (never in a URL, flash cookie or log).
      return data({
        result: submission.reply({ resetForm: true }),
        link: { url: new URL(`/invite/${invite.token}`, getEnv().PUBLIC_URL).href, role: value.role, expiresAt: invite.expiresAt.toISOString() },
      })
    }
    const revoked = await revokeInvite(workspace.id, { id: user.id, role }, value.inviteId)
    return redirectWithFlash(`/w/${workspace.id}/invites`, revoked
      ? { kind: 'success', message: 'Invite link revoked. It no longer works.' }
      : { kind: 'error', message: 'That invite link was already used, revoked or expired.' })
  } catch (error) {
    if (!(error instanceof InviteError)) throw error
    return data({ result: submission.reply({ formErrors: [error.message] }), link: null }, { status: 400 })
  }
}

export default function InvitesRoute() {
  const { workspace, roleOptions, invites } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <div className="page">
      <p>
        <Link to={`/w/${workspace.id}/members`}>← Back to members</Link>
      </p>
      <h1>Invite people</h1>
      <p className="lead">
        An invite link lets someone without a Switchboard account sign up and join {workspace.name}. Each link works once.
      </p>
      {actionData?.link ? <NewLink link={actionData.link} /> : null}
      <CreateInviteForm roleOptions={roleOptions} />
      <section className="card" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending invites</h2>
        {invites.length === 0 ? (
          <p className="muted">No invite links are waiting to be used.</p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col" className="hide-narrow">Created by</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {invites.map((invite) => (
                  <tr key={invite.id}>
                    <td>{ROLE_LABELS[invite.role]}</td>
                    <td className="hide-narrow">{invite.createdBy}</td>
                    <td>
                      <time dateTime={invite.expiresAt}>{formatUtc(invite.expiresAt)}</time>
                    </td>
                    <td>
                      <Form method="post">
                        <input type="hidden" name="inviteId" value={invite.id} />
                        <StatusButton
                          name="intent"
                          value={revokeIntent}
                          variant="secondary"
                          pendingText="Revoking…"
                          aria-label={`Revoke the ${ROLE_LABELS[invite.role].toLowerCase()} invite that expires ${formatUtc(invite.expiresAt)}`}
                        >
                          Revoke
                        </StatusButton>
                      </Form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  )
}

function NewLink({ link }: { link: { url: string; role: keyof typeof ROLE_LABELS; expiresAt: string } }) {
  return (
    <section className="card" aria-labelledby="new-link-heading">
      <h2 id="new-link-heading" tabIndex={-1}>
        Your new invite link
      </h2>
      <p>
        Send this link to the person you invite. They join as {ROLE_LABELS[link.role].toLowerCase()}; it works once, until{' '}
        <time dateTime={link.expiresAt}>{formatUtc(link.expiresAt)}</time>.{' '}
        <strong>Copy it now: Switchboard does not show it again.</strong>
      </p>
      <div className="field invite-link">
        <label htmlFor="invite-link">Invite link</label>
        <input id="invite-link" type="text" readOnly value={link.url} autoFocus onFocus={(event) => event.currentTarget.select()} />
      </div>
    </section>
  )
}

function CreateInviteForm({ roleOptions }: { roleOptions: string[] }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'create-invite',
    lastResult: actionData?.link ? undefined : actionData?.result,
    constraint: getZodConstraint(CreateInviteFormSchema),
    defaultValue: { role: 'member', lifetime: DEFAULT_INVITE_LIFETIME },
    onValidate: ({ formData }) => parseWithZod(formData, { schema: CreateInviteFormSchema }),
  })
  return (
    <section className="card" aria-labelledby="create-invite-heading">
      <h2 id="create-invite-heading">Create an invite link</h2>
      <Form method="post" className="form form-inline" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <SelectField
          meta={fields.role}
          label="Role"
          options={ROLES.filter((r) => roleOptions.includes(r)).map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
        />
        <SelectField
          meta={fields.lifetime}
          label="Link works for"
          options={INVITE_LIFETIME_KEYS.map((key) => ({ value: key, label: INVITE_LIFETIMES[key].label }))}
        />
        <StatusButton name="intent" value={createIntent} pendingText="Creating…">
          Create link
        </StatusButton>
      </Form>
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Invite people · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
