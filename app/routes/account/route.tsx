import { getFormProps, getInputProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { AccountNav } from '#app/components/account-nav.tsx'
import { formatUtc } from '#app/components/formats.ts'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { accountDeletionPlan } from '#app/models/account.server.ts'
import { rejectWith, runAccountIntent } from '#app/routes/account/actions.server.ts'
import {
  AccountActionSchema,
  AccountIntentSchema,
  ChangePasswordFormSchema,
  DeleteAccountFormSchema,
  changePasswordIntent,
  deleteAccountIntent,
  describeUserAgent,
  endOtherSessionsIntent,
  endSessionIntent,
} from '#app/routes/account/form-schema.ts'
import { requireUser } from '#app/utils/auth.server.ts'
import { ROLE_LABELS } from '#app/utils/permissions.ts'
import { getActiveSession, listUserSessions } from '#app/utils/session.server.ts'

/** The signed-in user and this browser's session key (never sent to the page). */
async function requireAccount(request: Request) {
  const user = await requireUser(request)
  const session = await getActiveSession(request)
  if (!session) throw new Response('Sign in again', { status: 401 })
  return { user, sessionKey: session.sessionKey }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, sessionKey } = await requireAccount(request)
  const [sessions, plan] = await Promise.all([listUserSessions(user.id, sessionKey), accountDeletionPlan(user.id)])
  return {
    user: { name: user.name, email: user.email },
    sessions: sessions.map((s) => ({
      handle: s.handle,
      current: s.current,
      browser: describeUserAgent(s.userAgent),
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt?.toISOString() ?? null,
    })),
    plan,
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const { user, sessionKey } = await requireAccount(request)
  const submission = parseWithZod(await request.formData(), { schema: AccountActionSchema })
  const intent = AccountIntentSchema.safeParse(submission.payload.intent)
  if (!intent.success) throw new Response('Unknown action', { status: 400 })
  const hideFields = ['currentPassword', 'newPassword', 'password']
  if (submission.status !== 'success') return rejectWith(intent.data, submission.reply({ hideFields }))
  return runAccountIntent(submission.value, {
    request,
    user,
    sessionKey,
    reply: (options) => submission.reply({ ...options, hideFields }),
  })
}

export default function AccountRoute() {
  const { user, sessions, plan } = useLoaderData<typeof loader>()
  const others = sessions.filter((s) => !s.current).length
  return (
    <div className="page">
      <AccountNav />
      <h1>Account</h1>
      <p className="lead">
        Signed in as {user.name} ({user.email}).
      </p>
      <ChangePasswordForm />
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Where you are signed in</h2>
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Browser</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.handle}>
                  <td>{session.browser}</td>
                  <td>
                    <time dateTime={session.createdAt}>{formatUtc(session.createdAt)}</time>
                  </td>
                  <td>{session.lastSeenAt ? <time dateTime={session.lastSeenAt}>{formatUtc(session.lastSeenAt)}</time> : '—'}</td>
                  <td>
                    {session.current ? (
                      <span className="badge">This browser</span>
                    ) : (
                      <Form method="post">
                        <input type="hidden" name="session" value={session.handle} />
                        <StatusButton
                          name="intent"
                          value={endSessionIntent}
                          variant="secondary"
                          pendingText="Signing out…"
                          aria-label={`Sign out ${session.browser}, signed in ${formatUtc(session.createdAt)}`}
                        >
                          Sign out
                        </StatusButton>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {others > 0 ? (
          <Form method="post">
            <StatusButton name="intent" value={endOtherSessionsIntent} variant="secondary" pendingText="Signing out…">
              Sign out all other sessions
            </StatusButton>
          </Form>
        ) : null}
      </section>
      <DeleteAccountSection plan={plan} />
    </div>
  )
}

function ChangePasswordForm() {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'change-password',
    lastResult: actionData?.intent === changePasswordIntent ? actionData.result : undefined,
    constraint: getZodConstraint(ChangePasswordFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: ChangePasswordFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Change password</h2>
      <Form method="post" className="form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.currentPassword} label="Current password" type="password" autoComplete="current-password" />
        <Field
          meta={fields.newPassword}
          label="New password"
          type="password"
          autoComplete="new-password"
          help="At least 10 characters. Your other sessions are signed out."
        />
        <StatusButton name="intent" value={changePasswordIntent} pendingText="Saving…">
          Change password
        </StatusButton>
      </Form>
    </section>
  )
}

type Plan = Awaited<ReturnType<typeof loader>>['plan']

function DeleteAccountSection({ plan }: { plan: Plan }) {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'delete-account',
    lastResult: actionData?.intent === deleteAccountIntent ? actionData.result : undefined,
    constraint: getZodConstraint(DeleteAccountFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: DeleteAccountFormSchema }),
  })
  return (
    <section className="card" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      {plan.blocking.length > 0 ? (
        <>
          <p>You cannot delete your account yet: you are the only owner of these workspaces, which other people use.</p>
          <ul>
            {plan.blocking.map((w) => (
              <li key={w.id}>
                <Link to={`/w/${w.id}/members`}>{w.name}</Link> ({w.members} members): make someone else an owner, or delete the workspace
                in its settings.
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <p>This cannot be undone. Your OAuth sign-ins are revoked at each server’s authorization server.</p>
          {plan.deleted.length > 0 ? (
            <>
              <p>These workspaces have no other members and are deleted with their servers and audit log:</p>
              <ul>
                {plan.deleted.map((w) => (
                  <li key={w.id}>{w.name}</li>
                ))}
              </ul>
            </>
          ) : null}
          {plan.left.length > 0 ? (
            <>
              <p>You leave these workspaces; they stay for their other members:</p>
              <ul>
                {plan.left.map((w) => (
                  <li key={w.id}>
                    {w.name} (you are {ROLE_LABELS[w.role].toLowerCase()})
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <Form method="post" className="form" {...getFormProps(form)}>
            <ErrorList id={form.errorId} errors={form.errors} />
            <Field meta={fields.password} label="Your password" type="password" autoComplete="current-password" />
            <div className="field field-checkbox">
              <input {...getInputProps(fields.confirm, { type: 'checkbox' })} key={fields.confirm.key} />
              <label htmlFor={fields.confirm.id}>Yes, delete my account and the workspaces listed above</label>
              <ErrorList id={fields.confirm.errorId} errors={fields.confirm.errors} />
            </div>
            <StatusButton name="intent" value={deleteAccountIntent} variant="danger" pendingText="Deleting…">
              Delete account
            </StatusButton>
          </Form>
        </>
      )}
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Account · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
