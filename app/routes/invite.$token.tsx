import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { type JoinOutcome, countSignUpAttempt, joinWithNewAccount, joinWithSignIn } from '#app/models/invite-join.server.ts'
import { type AcceptOutcome, acceptInvite, lookupInvite } from '#app/models/invite.server.ts'
import { getUser } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { ROLE_LABELS } from '#app/utils/permissions.ts'
import { describeWait } from '#app/utils/throttle.server.ts'
import { EmailSchema, NameSchema, NewPasswordSchema, PasswordSchema } from '#app/utils/user-validation.ts'

const joinIntent = 'join'
const signUpIntent = 'sign-up-and-join'
const signInIntent = 'sign-in-and-join'

const JoinFormSchema = z.object({ intent: z.literal(joinIntent) })
const SignUpFormSchema = z.object({ intent: z.literal(signUpIntent), name: NameSchema, email: EmailSchema, password: NewPasswordSchema })
const SignInFormSchema = z.object({ intent: z.literal(signInIntent), email: EmailSchema, password: PasswordSchema })
const InviteActionSchema = z.discriminatedUnion('intent', [JoinFormSchema, SignUpFormSchema, SignInFormSchema])
const IntentSchema = z.enum([joinIntent, signUpIntent, signInIntent])

/** Why a link does not work, in words; 410 for a link that once worked, 404 for one that never did (or was revoked). */
const DEAD_LINKS = {
  expired: { status: 410, title: 'This invite link has expired', text: 'Ask the person who invited you for a new link.' },
  used: { status: 410, title: 'This invite link was already used', text: 'Each invite link works once. Ask the person who invited you for a new one.' },
  unknown: {
    status: 404,
    title: 'This invite link does not work',
    text: 'It may have been revoked, or copied incompletely. Check the link, or ask the person who invited you for a new one.',
  },
} as const

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await getUser(request)
  const invite = await lookupInvite(params.token ?? '')
  if (invite.state !== 'valid') return data({ dead: invite.state, invite: null, user: null }, { status: DEAD_LINKS[invite.state].status })
  return {
    dead: null,
    invite: { workspaceName: invite.workspace.name, role: invite.role, invitedBy: invite.invitedBy },
    user: user ? { name: user.name, email: user.email } : null,
  }
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await getUser(request)
  const token = params.token ?? ''
  const submission = parseWithZod(await request.formData(), { schema: InviteActionSchema })
  const intent = IntentSchema.safeParse(submission.payload.intent)
  if (!intent.success) throw new Response('Unknown action', { status: 400 })
  // Someone signed in joins as themselves; the sign-up and sign-in forms are for visitors only.
  if ((intent.data === joinIntent) !== Boolean(user)) throw new Response('Reload the invite page and try again', { status: 400 })
  const address = clientIpOf(context)
  const reply = (fieldErrors: Record<string, string[]> | null, formErrors: string[] = []) =>
    submission.reply({ ...(fieldErrors ? { fieldErrors } : {}), formErrors, hideFields: ['password'] })
  const throttled = (retryAfterMs: number) => {
    const message = `Too many attempts from your network. Wait ${describeWait(retryAfterMs)}, then try again.`
    const headers = { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) }
    return data({ intent: intent.data, result: reply(null, [message]) }, { status: 429, headers })
  }
  // As on /signup, every sign-up attempt counts against the address, invalid ones included.
  if (intent.data === signUpIntent) {
    const retryAfterMs = await countSignUpAttempt(address)
    if (retryAfterMs > 0) return throttled(retryAfterMs)
  }
  if (submission.status !== 'success') return data({ intent: intent.data, result: submission.reply({ hideFields: ['password'] }) }, { status: 400 })
  const value = submission.value
  if (value.intent === joinIntent) return user ? afterAccept(await acceptInvite(token, user), []) : null
  const joined: JoinOutcome =
    value.intent === signUpIntent
      ? await joinWithNewAccount(request, { token, name: value.name, email: value.email, password: value.password })
      : await joinWithSignIn(request, { token, email: value.email, password: value.password, address })
  if (joined.ok) return afterAccept(joined.accepted, joined.cookies)
  if (joined.reason === 'throttled') return throttled(joined.retryAfterMs)
  const result =
    joined.reason === 'email_taken'
      ? reply({ email: ['An account with this email already exists. Use “Sign in and join” below instead.'] })
      : reply(null, ['Email or password is incorrect.'])
  return data({ intent: intent.data, result }, { status: 400 })
}

/** Where the person lands: the workspace, or (the link died meanwhile) a sentence saying why not. */
async function afterAccept(accepted: AcceptOutcome, cookies: string[]) {
  const headers = cookies.map((cookie): [string, string] => ['Set-Cookie', cookie])
  if (accepted.ok) {
    const message = `Welcome to ${accepted.workspaceName}! You joined as ${ROLE_LABELS[accepted.role].toLowerCase()}.`
    return redirectWithFlash(`/w/${accepted.workspaceId}`, { kind: 'success', message }, { headers })
  }
  if (accepted.reason === 'already_member') {
    return redirectWithFlash(`/w/${accepted.workspaceId ?? ''}`, { kind: 'success', message: 'You are already a member of this workspace. The invite link was not used.' }, { headers })
  }
  const dead = DEAD_LINKS[accepted.reason]
  return redirectWithFlash('/', { kind: 'error', message: `${dead.title}. ${dead.text}` }, { headers })
}

export default function InviteRoute() {
  const { dead, invite, user } = useLoaderData<typeof loader>()
  if (dead) {
    return (
      <div className="page narrow">
        <h1>{DEAD_LINKS[dead].title}</h1>
        <p>{DEAD_LINKS[dead].text}</p>
        <p>
          <Link to="/">Go to Switchboard</Link>
        </p>
      </div>
    )
  }
  if (!invite) return null
  const role = ROLE_LABELS[invite.role].toLowerCase()
  return (
    <div className="page narrow">
      <h1>Join {invite.workspaceName}</h1>
      <p className="lead">
        {invite.invitedBy ? `${invite.invitedBy} invited you` : 'You are invited'} to join {invite.workspaceName} on Switchboard as{' '}
        {role === 'admin' || role === 'owner' ? 'an' : 'a'} {role}.
      </p>
      {user ? <JoinForm name={user.name} email={user.email} /> : <VisitorForms />}
    </div>
  )
}

function JoinForm({ name, email }: { name: string; email: string }) {
  return (
    <Form method="post" className="card form">
      <p>
        You are signed in as {name} ({email}).
      </p>
      <StatusButton name="intent" value={joinIntent} pendingText="Joining…">
        Join workspace
      </StatusButton>
    </Form>
  )
}

function VisitorForms() {
  const actionData = useActionData<typeof action>()
  const [signUp, signUpFields] = useForm({
    id: 'invite-sign-up',
    lastResult: actionData?.intent === signUpIntent ? actionData.result : undefined,
    constraint: getZodConstraint(SignUpFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SignUpFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  const [signIn, signInFields] = useForm({
    id: 'invite-sign-in',
    lastResult: actionData?.intent === signInIntent ? actionData.result : undefined,
    constraint: getZodConstraint(SignInFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SignInFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <>
      <section className="card" aria-labelledby="invite-sign-up-heading">
        <h2 id="invite-sign-up-heading">New to Switchboard? Create your account</h2>
        <Form method="post" className="form" {...getFormProps(signUp)}>
          <ErrorList id={signUp.errorId} errors={signUp.errors} />
          <Field meta={signUpFields.name} label="Name" autoComplete="name" />
          <Field meta={signUpFields.email} label="Email" type="email" autoComplete="email" />
          <Field
            meta={signUpFields.password}
            label="Password"
            type="password"
            autoComplete="new-password"
            help="At least 10 characters. A passphrase works well."
          />
          <StatusButton name="intent" value={signUpIntent} pendingText="Creating account…">
            Create account and join
          </StatusButton>
        </Form>
      </section>
      <section className="card" aria-labelledby="invite-sign-in-heading">
        <h2 id="invite-sign-in-heading">Already have an account? Sign in</h2>
        <Form method="post" className="form" {...getFormProps(signIn)}>
          <ErrorList id={signIn.errorId} errors={signIn.errors} />
          <Field meta={signInFields.email} label="Your account’s email" type="email" autoComplete="email" />
          <Field meta={signInFields.password} label="Your password" type="password" autoComplete="current-password" />
          <StatusButton name="intent" value={signInIntent} variant="secondary" pendingText="Signing in…">
            Sign in and join
          </StatusButton>
        </Form>
      </section>
    </>
  )
}

export const meta: MetaFunction = () => [{ title: 'Invitation · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
