import { getFormProps, useForm } from '@conform-to/react'
import { getZodConstraint, parseWithZod } from '@conform-to/zod/v4'
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, Link, useActionData } from '@remix-run/react'
import { z } from 'zod'
import { ErrorList, Field } from '#app/components/forms.tsx'
import { StatusButton } from '#app/components/status-button.tsx'
import { EmailTakenError, createAccount, requireAnonymous } from '#app/utils/auth.server.ts'
import { redirectWithFlash } from '#app/utils/flash.server.ts'
import { clientIpOf } from '#app/utils/load-context.server.ts'
import { createSession } from '#app/utils/session.server.ts'
import { SIGNUPS_PER_IP, describeWait, recordThrottledEvent, throttleRetryAfterMs } from '#app/utils/throttle.server.ts'
import { EmailSchema, NameSchema, NewPasswordSchema } from '#app/utils/user-validation.ts'

const SignupFormSchema = z.object({ name: NameSchema, email: EmailSchema, password: NewPasswordSchema })

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request)
  return null
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireAnonymous(request)
  const formData = await request.formData()
  const submission = parseWithZod(formData, { schema: SignupFormSchema })
  // Every attempt counts against the address, refused ones included: otherwise probing which
  // emails have an account, or hashing passwords for forms that then fail, would be free.
  const ipKey = `signup-ip:${clientIpOf(context)}`
  const retryAfterMs = await throttleRetryAfterMs(ipKey, SIGNUPS_PER_IP)
  if (retryAfterMs > 0) {
    return data(
      {
        result: submission.reply({
          formErrors: [`Too many sign-up attempts from your network. Wait ${describeWait(retryAfterMs)}, then try again.`],
          hideFields: ['password'],
        }),
      },
      { status: 429, headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } },
    )
  }
  await recordThrottledEvent(ipKey, SIGNUPS_PER_IP)
  if (submission.status !== 'success') {
    return data({ result: submission.reply({ hideFields: ['password'] }) }, { status: 400 })
  }
  try {
    const { userId, workspaceId } = await createAccount(submission.value)
    const sessionCookie = await createSession(request, userId)
    return redirectWithFlash(
      `/w/${workspaceId}`,
      { kind: 'success', message: `Welcome, ${submission.value.name}! This is your personal workspace.` },
      { headers: { 'Set-Cookie': sessionCookie } },
    )
  } catch (error) {
    if (!(error instanceof EmailTakenError)) throw error
    return data(
      {
        result: submission.reply({
          fieldErrors: { email: ['An account with this email already exists. Sign in instead?'] },
          hideFields: ['password'],
        }),
      },
      { status: 400 },
    )
  }
}

export default function SignupRoute() {
  const actionData = useActionData<typeof action>()
  const [form, fields] = useForm({
    id: 'signup',
    lastResult: actionData?.result,
    constraint: getZodConstraint(SignupFormSchema),
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SignupFormSchema }),
    shouldValidate: 'onBlur',
    shouldRevalidate: 'onInput',
  })
  return (
    <div className="page narrow">
      <h1>Create your account</h1>
      <p className="lead">Switchboard connects your team to remote MCP servers. You get a personal workspace to start.</p>
      <Form method="post" className="card form" {...getFormProps(form)}>
        <ErrorList id={form.errorId} errors={form.errors} />
        <Field meta={fields.name} label="Name" autoComplete="name" />
        <Field meta={fields.email} label="Email" type="email" autoComplete="email" />
        <Field
          meta={fields.password}
          label="Password"
          type="password"
          autoComplete="new-password"
          help="At least 10 characters. A passphrase works well."
        />
        <StatusButton pendingText="Creating account…">Create account</StatusButton>
      </Form>
      <p>
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Sign up · Switchboard' }]

export { ErrorBoundary } from '#app/components/error-boundary.tsx'
